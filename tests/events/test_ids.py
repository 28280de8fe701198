from app.events.ids import START, make_event_id, new_stream_id, parse_event_id


def test_event_ids_round_trip_for_both_backends_positions() -> None:
    stream = new_stream_id()
    for position in (START, "17", "1795308909708-3"):
        assert parse_event_id(make_event_id(stream, position)) == (stream, position)


def test_foreign_event_ids_are_not_parsed() -> None:
    for foreign in ("", "42", "abc.1", f"{new_stream_id()}.", f"{new_stream_id()}.1;DROP", "x" * 32 + ".1"):
        assert parse_event_id(foreign) is None


def test_stream_ids_are_unique() -> None:
    assert len({new_stream_id() for _ in range(1000)}) == 1000
