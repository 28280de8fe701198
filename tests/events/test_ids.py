import re

from app.events.ids import START, make_event_id, new_stream_id, parse_event_id


def test_event_ids_round_trip_for_both_backends_positions() -> None:
    stream = new_stream_id()
    for position in (START, "17", "1795308909708-3"):
        assert parse_event_id(make_event_id(stream, position)) == (stream, position)


def test_foreign_event_ids_are_not_parsed() -> None:
    for foreign in ("", "42", "abc.1", f"{new_stream_id()}.", f"{new_stream_id()}.1;DROP", "x" * 32 + ".1"):
        assert parse_event_id(foreign) is None


def test_every_minted_stream_id_reads_back_out_of_its_event_ids() -> None:
    """Resumption finds the stream in ``Last-Event-ID`` alone: a minted id the parser refused, or two
    streams read back as one, would send a client to nothing or to another client's stream."""
    streams = [new_stream_id() for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", stream) for stream in streams), "32 lowercase hex characters"
    position = "1795308909708-3"  # a Redis entry id, the longest position
    parsed = [parse_event_id(make_event_id(stream, position)) for stream in streams]
    assert parsed == [(stream, position) for stream in streams]
    assert len(set(parsed)) == len(streams), "no two streams read back as one"
