#pragma once
// Wegman–Carter authentication of the classical channel (docs/postprocessing.md, "Classical channel
// and authentication"). Every message carries a 64-bit tag
//   tag = P_s(m) XOR k_j,
// P_s the polynomial hash of verification.h over GF(2^64) at a secret point s, k_j the next unused
// 64-bit word of one-time-pad key of the sender's direction. Both come from an AuthenticationKeyPool
// of pre-shared key bits that both parties hold identically and replenish with produced key.
//
// What is hashed: the L = 2 + ceil(B / 8) words
//   m_1 = direction (0 Alice to Bob, 1 Bob to Alice) | message type << 8,
//   m_2 = the sequence number of the message in its direction (0, 1, 2, ... from the start of the
//         session; not transmitted, each side counts),
//   m_3.. = the B payload bytes, eight to a word little-endian, the last word padded with zeros,
// and the length coefficient n = B: P_s(m) = m_1 s^{L+1} + ... + m_L s^2 + B s. Different
// (direction, sequence number, type, payload) give different polynomials (a different B changes the
// s coefficient; an equal B fixes L and the positions).
//
// Security. The pad makes each tag uniform and independent of s, so tags reveal nothing of s and
// the hash key may serve the whole session (Wegman and Carter, JCSS 22, 265 (1981)). An adversary
// who replaces a message m (B bytes) of tag t by m' != m (B' bytes) with tag t' succeeds iff
// P_s(m') - P_s(m) = t' XOR t, a nonzero polynomial in s of degree <= L + 1 without constant term
// minus a constant: at most L + 1 roots among 2^64 points, so
//   Pr[a forged or altered message is accepted] <= (L + 1) / 2^64 = (ceil(max(B, B') / 8) + 3) / 2^64
// for each attempt (2^-62 for payloads of up to 8 bytes, 2^-39 at the 256 MiB maximum payload). A
// replayed, reordered or deleted message is checked against the wrong sequence number and the wrong
// pad word, so it fails with the same bound. Only the truncation of the session (the last messages
// never arrive) is left to the protocol's timeouts.
//
// Key consumption: 64 bits per message in its direction, plus 64 bits for s at the start of each
// authenticated session (taken from the Alice-to-Bob stream).
//
// A failed check throws AuthenticationFailure: an expected outcome (the post-processing aborts the
// block and outputs nothing), not bad input. After a failure the channel refuses to receive, since
// each rejected attempt tells an adversary a little about s; sending (an abort message) still works.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <stdexcept>
#include <vector>

#include "qkdlab/core/bit_vector.h"
#include "qkdlab/qkd/classical_channel.h"
#include "qkdlab/qkd/sifting.h"
#include "qkdlab/qkd/verification.h"

namespace qkdlab::qkd {

class AuthenticationFailure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The pre-shared authentication key of one side; both sides hold identical pools and take from them
// in the same order. The key is read as 64-bit words (bit i of the key is bit i % 64 of word i / 64);
// word w belongs to the one-time-pad stream of direction w % 2 (even words: messages Alice sends,
// odd words: messages Bob sends), so the two directions never compete for key and concurrent
// sending cannot desynchronise the sides; replenished bits continue the same numbering. Bits beyond
// the last whole word wait for the next replenish(). Words both streams are past are dropped; key
// bits are wiped when dropped, moved or destroyed. (The price of interleaving: when one direction
// sends far more than the other, the other's unused words stay in memory, and half of each
// replenishment waits for the quieter direction.)
//
// Not thread-safe; AuthenticatedChannel guards its own use of a pool.
class AuthenticationKeyPool {
  public:
    static constexpr std::size_t WORD_BITS = 64;

    AuthenticationKeyPool() = default;
    explicit AuthenticationKeyPool(const core::BitVector& key);
    ~AuthenticationKeyPool();
    AuthenticationKeyPool(const AuthenticationKeyPool&) = default;
    AuthenticationKeyPool(AuthenticationKeyPool&&) noexcept = default;
    AuthenticationKeyPool& operator=(AuthenticationKeyPool other) noexcept;  // copy or move; wipes the old key

    // The next unused word of the stream of messages `sender` sends; throws AuthenticationFailure
    // ("authentication key pool exhausted: ...") when that stream has none left.
    std::uint64_t take(Party sender);
    // Appends fresh key (both sides with the same bits, at the same point of the protocol).
    void replenish(const core::BitVector& key);

    // Bits taken so far (by both streams), bits still available (whole words, both streams or one),
    // bits received after construction by replenish().
    std::uint64_t consumed_bits() const { return consumed_bits_; }
    std::uint64_t available_bits() const { return available_bits(Party::alice) + available_bits(Party::bob); }
    std::uint64_t available_bits(Party sender) const;
    std::uint64_t replenished_bits() const { return replenished_bits_; }

    // The pool as bytes (to keep it between runs: `qkdlab node --auth-key FILE`): the unconsumed key
    // and the counters behind a versioned header (docs/postprocessing.md gives the layout).
    std::vector<std::uint8_t> to_bytes() const;
    // The pool of to_bytes; throws qkdlab::Error naming what was expected if the bytes are not one.
    static AuthenticationKeyPool from_bytes(std::span<const std::uint8_t> bytes);

  private:
    // The leading words both streams are past (an even number: word parities stay).
    std::uint64_t used_words() const;
    // Drops (and wipes) the used words.
    void compact();
    static void wipe(std::span<std::uint64_t> words);

    std::vector<std::uint64_t> words_;  // global words base_word_, base_word_ + 1, ...; the last may be partial
    std::uint64_t bits_ = 0;            // key bits in words_
    std::uint64_t base_word_ = 0;
    std::uint64_t next_[2] = {0, 1};  // the global index of each stream's next word
    std::uint64_t consumed_bits_ = 0;
    std::uint64_t replenished_bits_ = 0;
};

// A ClassicalChannel whose messages are authenticated as above, wrapping a transport. Constructing
// it starts a session: it takes the hash point s from `pool` (so both sides must construct theirs
// with the pool in the same state) and sequence numbers start at 0. The tag travels as 8 bytes
// (little-endian) appended to the payload of the inner message. The inner channel and the pool must
// outlive this channel; one thread may send while another receives.
class AuthenticatedChannel final : public ClassicalChannel {
  public:
    static constexpr std::size_t TAG_BITS = 64;
    static constexpr std::size_t TAG_BYTES = TAG_BITS / 8;

    AuthenticatedChannel(ClassicalChannel& inner, AuthenticationKeyPool& pool, Party self);

    // Throws AuthenticationFailure if the pool has no pad word left (nothing is sent), ChannelError
    // as the inner channel does, and ChannelError for a payload that with its tag would exceed
    // MAX_PAYLOAD_BYTES.
    void send(Message message) override;
    // The next message, verified; throws AuthenticationFailure (naming the type and the sequence
    // number) if its tag is wrong or missing, and on every call after such a failure.
    Message receive() override;
    // The inner channel's counts (they include the tags).
    std::uint64_t bytes_sent() const override { return inner_.bytes_sent(); }
    std::uint64_t bytes_received() const override { return inner_.bytes_received(); }

    std::uint64_t messages_sent() const;
    // Messages checked, a rejected one included (its pad word is spent).
    std::uint64_t messages_received() const;
    // Pad bits this side used for its tags and for checking the peer's (64 per message), and the
    // hash point of the session (64 bits).
    std::uint64_t tag_bits_consumed() const;
    static constexpr std::uint64_t HASH_KEY_BITS = 64;

  private:
    std::uint64_t tag(Party sender, std::uint64_t sequence, const Message& message, std::size_t payload_bytes,
                      std::uint64_t pad) const;

    ClassicalChannel& inner_;
    AuthenticationKeyPool& pool_;
    Party self_;
    PolynomialHash hash_;
    mutable std::mutex mutex_;  // the pool and the counters below
    std::uint64_t sent_ = 0;
    std::uint64_t received_ = 0;
    bool failed_ = false;
};

}  // namespace qkdlab::qkd
