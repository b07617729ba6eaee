#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_vici: VICI streams (length-prefixed packets) that charon and
the agent exchange, and broken variants, encoded here independently of the C++ encoder. Run
from anywhere; files go to corpus/vici/ next to this script."""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "vici"

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN, EVENT_REGISTER, EVENT_UNREGISTER = 0, 1, 2, 3, 4
EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = 5, 6, 7
SECTION_START, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM, LIST_END = 1, 2, 3, 4, 5, 6


def name(s):
    s = s.encode() if isinstance(s, str) else s
    return bytes([len(s)]) + s


def value(s):
    s = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(s)) + s


def kv(k, v):
    return bytes([KEY_VALUE]) + name(k) + value(v)


def lst(n, items):
    items = b"".join(bytes([LIST_ITEM]) + value(i) for i in items)
    return bytes([LIST_START]) + name(n) + items + bytes([LIST_END])


def section(n, *elements):
    return bytes([SECTION_START]) + name(n) + b"".join(elements) + bytes([SECTION_END])


def packet(ptype, pname=None, message=b""):
    return bytes([ptype]) + (name(pname) if pname is not None else b"") + message


def frame(*packets):
    return b"".join(struct.pack("!I", len(p)) + p for p in packets)


README = kv("key1", "value1") + section("section1", section("sub-section", kv("key2", "value2")),
                                        lst("list1", ["item1", "item2"]))


def list_sa(ike, uniqueid, remote):
    child = section(f"{ike}-{uniqueid}1", kv("name", ike), kv("uniqueid", f"{uniqueid}1"),
                    kv("state", "INSTALLED"), kv("mode", "TUNNEL"), kv("protocol", "ESP"),
                    kv("spi-in", "c1d2e3f4"), lst("local-ts", ["0.0.0.0/0"]), lst("remote-ts", ["10.3.0.17/32"]))
    sa = section(ike, kv("uniqueid", uniqueid), kv("version", "2"), kv("state", "ESTABLISHED"),
                 kv("local-host", "192.0.2.11"), kv("remote-host", remote), kv("remote-id", remote),
                 kv("remote-eap-id", "carol@example.org"), kv("initiator-spi", "8a3c5e7f0b1d2e4f"),
                 lst("remote-vips", ["10.3.0.17"]), lst("tasks-queued", []), section("child-sas", child))
    return packet(EVENT, "list-sa", sa)


def nested(depth):
    opens = (bytes([SECTION_START]) + name("s")) * depth
    return packet(CMD_RESPONSE, None, opens + kv("k", "v") + bytes([SECTION_END]) * depth)


def response(message):
    return frame(packet(CMD_RESPONSE, None, message))


SEEDS = {
    # What the agent sends.
    "list_sas_request": frame(packet(CMD_REQUEST, "list-sas", kv("noblock", "yes"))),
    "redirect_request": frame(packet(CMD_REQUEST, "redirect", kv("ike-id", "42")
                                     + kv("peer-ip", "198.51.100.0/24") + kv("gateway", "192.0.2.12"))),
    "register_unregister": frame(packet(EVENT_REGISTER, "list-sa"), packet(EVENT_UNREGISTER, "list-sa")),
    # What charon answers.
    "readme_example": response(README),
    "list_sas_stream": frame(packet(EVENT_CONFIRM), list_sa("rw-eap", "17", "198.51.100.23"),
                             list_sa("rw-cert", "18", "2001:db8::23"), packet(CMD_RESPONSE)),
    "redirect_failed": response(kv("success", "no") + kv("matches", "0")
                                + kv("errmsg", "no matching SAs to redirect found")),
    "unknown_replies": frame(packet(CMD_UNKNOWN), packet(EVENT_UNKNOWN)),
    "octet_values": response(kv(b"k\x00", b"\x00\xff\n\x00") + lst(b"", [b"", b"\x00"]) + section(b"")),
    "depth_32": frame(nested(32)),
    # Broken.
    "depth_33": frame(nested(33)),
    "bare_packet": packet(CMD_RESPONSE, None, README),
    "oversized_length": struct.pack("!I", 512 * 1024 + 1) + b"\x01",
    "largest_length": b"\xff\xff\xff\xff",
    "zero_length": frame(b""),
    "unknown_packet_type": frame(b"\x08"),
    "unknown_element_type": response(kv("k", "v") + b"\x07"),
    "name_past_end": frame(b"\x00\x05ab"),
    "value_past_end": response(bytes([KEY_VALUE]) + name("k") + b"\x00\x05a"),
    "section_end_without_start": response(kv("k", "v") + bytes([SECTION_END])),
    "list_end_without_start": response(bytes([LIST_END])),
    "item_outside_list": response(bytes([LIST_ITEM]) + value("x")),
    "key_value_in_list": response(bytes([LIST_START]) + name("l") + kv("k", "v") + bytes([LIST_END])),
    "nested_list": response(bytes([LIST_START]) + name("l") + lst("m", []) + bytes([LIST_END])),
    "unterminated_section": response(bytes([SECTION_START]) + name("s") + kv("k", "v")),
    "unterminated_list": response(bytes([LIST_START]) + name("l") + bytes([LIST_ITEM]) + value("x")),
    "trailing_after_confirm": frame(b"\x05\x00"),
    "partial_stream": frame(packet(EVENT_CONFIRM), list_sa("rw-eap", "17", "198.51.100.23"))[:-9],
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, data in SEEDS.items():
        (OUT / seed).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
