// IKEv2 wire numbers used by the front end (RFC 7296 §3, RFC 5685, RFC 5723; IANA "IKEv2
// Parameters"). Values arrive as raw octets, so enums have fixed underlying types and unknown
// values stay representable.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ikesteer::redirect {

// RFC 7296 §3.1: fixed IKE header.
inline constexpr std::size_t kIkeHeaderSize = 28;
// RFC 3948 §2.2: non-ESP marker in front of IKE on UDP 4500.
inline constexpr std::size_t kNonEspMarkerSize = 4;
// RFC 7296 §3.2: generic payload header.
inline constexpr std::size_t kPayloadHeaderSize = 4;

inline constexpr std::uint8_t kIkeVersion = 0x20;  // major 2, minor 0
inline constexpr std::uint8_t kIkeMajorVersion = 2;

// RFC 7296 §3.1 flags octet.
inline constexpr std::uint8_t kFlagResponse = 0x20;
inline constexpr std::uint8_t kFlagVersion = 0x10;
inline constexpr std::uint8_t kFlagInitiator = 0x08;

// RFC 7296 §3.2: the C bit in the second octet of the generic payload header.
inline constexpr std::uint8_t kCriticalBit = 0x80;

// RFC 7296 §2.10: Nonce Data is 16..256 octets.
inline constexpr std::size_t kMinNonceSize = 16;
inline constexpr std::size_t kMaxNonceSize = 256;

enum class ExchangeType : std::uint8_t {
  IkeSaInit = 34,
  IkeAuth = 35,
  CreateChildSa = 36,
  Informational = 37,
  IkeSessionResume = 38,  // RFC 5723
  IkeIntermediate = 43,   // RFC 9242
};

enum class PayloadType : std::uint8_t {
  None = 0,
  SecurityAssociation = 33,
  KeyExchange = 34,
  IdInitiator = 35,
  IdResponder = 36,
  Certificate = 37,
  CertificateRequest = 38,
  Authentication = 39,
  Nonce = 40,
  Notify = 41,
  Delete = 42,
  VendorId = 43,
  TrafficSelectorInitiator = 44,
  TrafficSelectorResponder = 45,
  Encrypted = 46,
  Configuration = 47,
  Eap = 48,
  EncryptedFragment = 53,  // RFC 7383
  PuzzleSolution = 54,     // RFC 8019
};

// Payload types this implementation recognises (RFC 7296 §2.5: the C bit matters only for
// types we do not know).
constexpr bool is_known_payload(std::uint8_t type) noexcept {
  return (type >= 33 && type <= 48) || type == 53 || type == 54;
}

enum class NotifyType : std::uint16_t {
  UnsupportedCriticalPayload = 1,
  InvalidIkeSpi = 4,
  InvalidMajorVersion = 5,
  InvalidSyntax = 7,
  InvalidMessageId = 9,
  InvalidSpi = 11,
  NoProposalChosen = 14,
  InvalidKePayload = 17,
  AuthenticationFailed = 24,
  TemporaryFailure = 43,
  InitialContact = 16384,
  NatDetectionSourceIp = 16388,
  NatDetectionDestinationIp = 16389,
  Cookie = 16390,
  RedirectSupported = 16406,
  Redirect = 16407,
  RedirectedFrom = 16408,
  TicketLtOpaque = 16409,
  TicketRequest = 16410,
  TicketAck = 16411,
  TicketNack = 16412,
  TicketOpaque = 16413,
  QuickCrashDetection = 16419,
  Ikev2MessageIdSyncSupported = 16420,
  IpsecReplayCounterSyncSupported = 16421,
  Ikev2MessageIdSync = 16422,
  IpsecReplayCounterSync = 16423,
  Ikev2FragmentationSupported = 16430,
  SignatureHashAlgorithms = 16431,
  Puzzle = 16434,
};

// RFC 7296 §3.3.1 substructure markers.
inline constexpr std::uint8_t kLastSubstructure = 0;
inline constexpr std::uint8_t kMoreProposals = 2;
inline constexpr std::uint8_t kMoreTransforms = 3;
// RFC 7296 §3.3.5: attribute format bit (TV when set, TLV when clear).
inline constexpr std::uint16_t kAttributeFormatTv = 0x8000;

}  // namespace ikesteer::redirect
