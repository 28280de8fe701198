"""A local multi-replica rig: redis-server, N gunicorn instances and nginx, all on loopback.

    with Rig(instances=3, workers=2) as rig:
        httpx.post(rig.url, ...)      # through nginx, least_conn over the instances
        rig.restart(1)                # SIGTERM instance 1, wait, start it again on its port
        rig.kill(2)                   # SIGKILL instance 2 (master and workers)
        rig.stop_redis(); rig.start_redis()

By hand: `python -m infra.sim --instances 3 --workers 2`.
"""

from .processes import RigError
from .rig import Instance, Rig

__all__ = ["Instance", "Rig", "RigError"]
