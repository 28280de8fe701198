"""Authentication: the server as an OAuth 2.1 resource server (``FASTMCP_AUTH``).

``bearer`` checks tokens against a file of static tokens, ``jwt`` verifies signed access tokens
against an authorization server's JWKS. Either way a layer in front of the MCP endpoint
(:mod:`app.auth.layer`) resolves the caller before anything else reads the request, and the
resource metadata (RFC 9728) tells clients where to get a token.
"""
