#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_ike: the golden packets of the IKEv2 redirect spec (section 10)
and variants of them. Run from anywhere; files go to corpus/ike/ next to this script. The
found_* files there are not generated: they are inputs libFuzzer found that reach new code."""
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "ike"

SPI_I = bytes.fromhex("8a3c5e7f0b1d2e4f")
SA = bytes.fromhex("00000024010100030300000c01000014800e0100030000080200000500000008" "0400001f")
KE = bytes.fromhex("001f0000") + bytes(range(0xA0, 0xC0))
NI = bytes(range(0x10, 0x30))


def notify(ntype, data=b"", proto=0, spi=b""):
    return (41, struct.pack("!BBH", proto, len(spi), ntype) + spi + data)


def message(payloads, spi_i=SPI_I, spi_r=bytes(8), version=0x20, exchange=34, flags=0x08, mid=0):
    body = b""
    for i, (ptype, data) in enumerate(payloads):
        ptype_next = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        critical = 0x80 if ptype >= 200 else 0
        body += struct.pack("!BBH", ptype_next, critical, 4 + len(data)) + data
    first = payloads[0][0] if payloads else 0
    header = spi_i + spi_r + struct.pack("!BBBBII", first, version, exchange, flags, mid, 28 + len(body))
    return header + body


def init_request(extra=(), redirect_supported=True, **kw):
    payloads = [(33, SA), (34, KE), (40, NI)]
    if redirect_supported:
        payloads.append(notify(0x4016))
    return message(payloads + list(extra), **kw)


MARKER = bytes(4)
TICKET = bytes.fromhex("01000000" "0000000000000007") + bytes(range(0x70, 0x7C)) + b"\xee" * 40 + b"\x99" * 16
RESUME = message([(40, bytes(range(0x80, 0xA0))), notify(0x401D, TICKET)],
                 spi_i=bytes.fromhex("c0ffee0012345678"), exchange=38)
REDIRECTED_FROM = message([(33, SA), (34, KE), (40, bytes(range(0x40, 0x60))),
                           notify(0x4018, bytes.fromhex("0104c0000201"))],
                          spi_i=bytes.fromhex("51e0c2a9d4b7f603"))


def reply(ntype, data=b"", exchange=34):
    return message([notify(ntype, data)], flags=0x20, exchange=exchange)


SEEDS = {
    # Spec 10.1, 10.5, 10.8 requests.
    "init_request": init_request(),
    "init_request_4500": MARKER + init_request(),
    "redirected_from": REDIRECTED_FROM,
    "redirected_from_v6": init_request([notify(0x4018, bytes.fromhex("0210") + bytes(15) + b"\x01")],
                                       redirect_supported=False),
    "redirected_from_fqdn": init_request([notify(0x4018, b"\x03\x03abc")], redirect_supported=False),
    "resume_request": RESUME,
    "resume_request_4500": MARKER + RESUME,
    # Spec 10.2-10.4, 10.6-10.8 replies (R set: must be dropped).
    "reply_redirect_v4": reply(0x4017, bytes.fromhex("0104c000020b") + NI),
    "reply_redirect_fqdn": reply(0x4017, b"\x03\x12vpn-m2.example.net" + NI),
    "reply_redirect_v6": reply(0x4017, bytes.fromhex("0210") + bytes.fromhex("20010db8" + "00" * 11 + "0b") + NI),
    "reply_cookie": reply(0x4006, bytes.fromhex(
        "00000001369de3962bd6d34bc7c9955b2e25d3656ff698571da5389a7b3f64eea89ebe8b")),
    "reply_unsupported_critical": reply(1, b"\xc8"),
    "reply_invalid_major_version": reply(5),
    "reply_ticket_nack": reply(0x401C, exchange=38),
    # Variants.
    "no_redirect_supported": init_request(redirect_supported=False),
    "cookie_first": message([notify(0x4006, bytes.fromhex("000003e8") + bytes(32)), (33, SA), (34, KE),
                             (40, NI), notify(0x4016)]),
    "cookie_not_first": init_request([notify(0x4006, bytes(36))]),
    "major_version_3": init_request(version=0x30),
    "ikev1_version": init_request(version=0x10),
    "unknown_critical": init_request([(200, b"\x01\x02")]),
    "unknown_noncritical": init_request([(199, b"\x01\x02")]),
    "vendor_ids_and_nat": init_request([(43, b"\x88" * 16), notify(0x4004, b"\x11" * 20),
                                        notify(0x4005, b"\x22" * 20), notify(0x402E),
                                        notify(0x402F, bytes.fromhex("0002000300040005"))]),
    "two_proposals": message([(33, b"\x02" + SA[1:] + SA), (34, KE), (40, NI), notify(0x4016)]),
    "tlv_attribute": message([(33, bytes.fromhex("00000016010100010000000e01000014000e00020100")),
                              (34, KE), (40, NI), notify(0x4016)]),
    "nonce_max": message([(33, SA), (34, KE), (40, bytes(256)), notify(0x4016)]),
    "nonce_min": message([(33, SA), (34, KE), (40, bytes(16)), notify(0x4016)]),
    "ike_auth": init_request(exchange=35, mid=1),
    "ike_auth_encrypted": message([(46, bytes(range(48)))], spi_r=bytes.fromhex("1122334455667788"),
                                  exchange=35, mid=1),
    "qcd_notify_with_spi": init_request([notify(0x4023, b"\x33" * 16, proto=1, spi=b"\x44" * 4)]),
    "esp_4500": bytes.fromhex("00000001") + init_request(),
    "keepalive": b"\xff",
    "truncated_header": init_request()[:27],
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
