#include "qkdlab/qkd/authentication.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

constexpr std::size_t WORD_BITS = AuthenticationKeyPool::WORD_BITS;
constexpr std::size_t WORD_BYTES = WORD_BITS / 8;

// to_bytes' layout: the magic, the version, then the u64 fields below, then the key words; all
// little-endian.
constexpr std::array<std::uint8_t, 8> MAGIC{'Q', 'K', 'D', 'A', 'U', 'T', 'H', 'P'};
constexpr std::uint32_t VERSION = 1;
constexpr std::size_t HEADER_BYTES = MAGIC.size() + 4 + 5 * 8;

unsigned direction(Party sender) { return sender == Party::alice ? 0 : 1; }
const char* name(Party party) { return party == Party::alice ? "Alice" : "Bob"; }

// The `count` <= 8 bytes at `data` as a little-endian word.
std::uint64_t load_le(const std::uint8_t* data, std::size_t count) {
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < count; ++i) word |= std::uint64_t{data[i]} << (8 * i);
    return word;
}
void store_le(std::uint64_t word, std::size_t count, std::vector<std::uint8_t>& out) {
    for (std::size_t i = 0; i < count; ++i) out.push_back(static_cast<std::uint8_t>(word >> (8 * i)));
}

// Reads the fields of to_bytes in order, naming the field that is missing.
class ByteReader {
  public:
    explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
    std::uint64_t read(std::size_t count, const char* field) {
        if (bytes_.size() - at_ < count) {
            throw Error("authentication key pool: " + std::to_string(bytes_.size()) + " bytes end before " + field +
                        " (byte " + std::to_string(at_) + "); expected a pool written by to_bytes");
        }
        const std::uint64_t value = load_le(bytes_.data() + at_, count);
        at_ += count;
        return value;
    }
    std::size_t left() const { return bytes_.size() - at_; }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t at_ = 0;
};

}  // namespace

AuthenticationKeyPool::AuthenticationKeyPool(const core::BitVector& key) {
    replenish(key);
    replenished_bits_ = 0;  // the initial key is not a replenishment
}

AuthenticationKeyPool::~AuthenticationKeyPool() { wipe(words_); }

AuthenticationKeyPool& AuthenticationKeyPool::operator=(AuthenticationKeyPool other) noexcept {
    words_.swap(other.words_);  // `other` wipes the old key when it goes
    std::swap(bits_, other.bits_);
    std::swap(base_word_, other.base_word_);
    std::swap(next_, other.next_);
    std::swap(consumed_bits_, other.consumed_bits_);
    std::swap(replenished_bits_, other.replenished_bits_);
    return *this;
}

void AuthenticationKeyPool::wipe(std::span<std::uint64_t> words) {
    if (!words.empty()) ::explicit_bzero(words.data(), words.size_bytes());
}

std::uint64_t AuthenticationKeyPool::available_bits(Party sender) const {
    const std::uint64_t end = base_word_ + bits_ / WORD_BITS;  // past the last whole word
    const std::uint64_t next = next_[direction(sender)];
    return next < end ? (end - next + 1) / 2 * WORD_BITS : 0;
}

std::uint64_t AuthenticationKeyPool::take(Party sender) {
    const unsigned d = direction(sender);
    if (available_bits(sender) == 0) {
        throw AuthenticationFailure("authentication key pool exhausted: " + std::to_string(WORD_BITS) +
                                    " bits needed for a message " + name(sender) + " sends, 0 available (" +
                                    std::to_string(available_bits()) + " in the other direction)");
    }
    const std::uint64_t word = words_[next_[d] - base_word_];
    next_[d] += 2;
    consumed_bits_ += WORD_BITS;
    if (2 * used_words() >= words_.size()) compact();  // amortised: at least half the words go
    return word;
}

void AuthenticationKeyPool::replenish(const core::BitVector& key) {
    const std::size_t shift = bits_ % WORD_BITS;  // the new bits go on `shift` bits into the last word
    const std::size_t needed = core::BitVector::words_for(bits_ + key.size());
    if (needed > words_.capacity()) {  // grow by hand, so that no copy of the key is left unwiped
        std::vector<std::uint64_t> grown;
        grown.reserve(std::max(needed, 2 * words_.capacity()));
        grown.assign(words_.begin(), words_.end());
        wipe(words_);
        words_.swap(grown);
    }
    for (std::uint64_t word : key.words()) {
        if (shift == 0) {
            words_.push_back(word);
            continue;
        }
        words_.back() |= word << shift;
        words_.push_back(word >> (WORD_BITS - shift));
    }
    words_.resize(needed);  // with a shift, the last word pushed may hold no bits
    bits_ += key.size();
    replenished_bits_ += key.size();
}

std::uint64_t AuthenticationKeyPool::used_words() const {
    const std::uint64_t used = (std::min(next_[0], next_[1]) & ~std::uint64_t{1}) - base_word_;  // keeps parity
    return std::min<std::uint64_t>(used, bits_ / WORD_BITS);
}

void AuthenticationKeyPool::compact() {
    const std::size_t drop = used_words();
    if (drop == 0) return;
    wipe(std::span(words_).first(drop));
    std::copy(words_.begin() + drop, words_.end(), words_.begin());
    wipe(std::span(words_).last(drop));
    words_.resize(words_.size() - drop);
    bits_ -= drop * WORD_BITS;
    base_word_ += drop;
}

std::vector<std::uint8_t> AuthenticationKeyPool::to_bytes() const {
    const std::uint64_t used = used_words(), base = base_word_ + used;
    std::vector<std::uint8_t> out(MAGIC.begin(), MAGIC.end());
    store_le(VERSION, 4, out);
    for (std::uint64_t field : {next_[0] - base, next_[1] - base, consumed_bits_, replenished_bits_,
                                std::uint64_t{bits_ - used * WORD_BITS}}) {
        store_le(field, 8, out);
    }
    for (std::size_t w = used; w < words_.size(); ++w) store_le(words_[w], WORD_BYTES, out);
    return out;
}

AuthenticationKeyPool AuthenticationKeyPool::from_bytes(std::span<const std::uint8_t> bytes) {
    ByteReader reader(bytes);
    if (bytes.size() < HEADER_BYTES || !std::equal(MAGIC.begin(), MAGIC.end(), bytes.begin())) {
        throw Error("authentication key pool: not a pool file (expected the magic \"QKDAUTHP\" and a " +
                    std::to_string(HEADER_BYTES) + "-byte header, got " + std::to_string(bytes.size()) + " bytes)");
    }
    (void)reader.read(MAGIC.size(), "the magic");
    const std::uint64_t version = reader.read(4, "the version");
    if (version != VERSION) {
        throw Error("authentication key pool: version " + std::to_string(version) + "; expected " +
                    std::to_string(VERSION));
    }
    AuthenticationKeyPool pool;
    pool.next_[0] = reader.read(8, "Alice's next word");
    pool.next_[1] = reader.read(8, "Bob's next word");
    pool.consumed_bits_ = reader.read(8, "the consumed bits");
    pool.replenished_bits_ = reader.read(8, "the replenished bits");
    pool.bits_ = reader.read(8, "the key length");
    const std::uint64_t words = pool.bits_ / WORD_BITS + (pool.bits_ % WORD_BITS != 0);
    if (reader.left() / WORD_BYTES < words || reader.left() != words * WORD_BYTES) {
        throw Error("authentication key pool: a key of " + std::to_string(pool.bits_) + " bits needs " +
                    std::to_string(words * WORD_BYTES) + " bytes after the header, got " +
                    std::to_string(reader.left()));
    }
    pool.words_.resize(words);
    for (auto& word : pool.words_) word = reader.read(WORD_BYTES, "a key word");
    const std::size_t tail = pool.bits_ % WORD_BITS;
    if (tail != 0 && pool.words_.back() >> tail != 0) {
        throw Error("authentication key pool: bits set beyond the key length " + std::to_string(pool.bits_) +
                    "; expected zeros");
    }
    const std::uint64_t whole = pool.bits_ / WORD_BITS;
    if (pool.next_[0] % 2 != 0 || pool.next_[1] % 2 != 1 || pool.next_[0] > whole + 1 || pool.next_[1] > whole + 1 ||
        std::min(pool.next_[0], pool.next_[1]) > 1) {
        throw Error("authentication key pool: next words " + std::to_string(pool.next_[0]) + " and " +
                    std::to_string(pool.next_[1]) + "; expected an even and an odd word index, one of them < 2, " +
                    "both <= " + std::to_string(whole + 1));
    }
    return pool;
}

AuthenticatedChannel::AuthenticatedChannel(ClassicalChannel& inner, AuthenticationKeyPool& pool, Party self)
    : inner_(inner), pool_(pool), self_(self), hash_(pool.take(Party::alice)) {}

std::uint64_t AuthenticatedChannel::tag(Party sender, std::uint64_t sequence, const Message& message,
                                        std::size_t payload_bytes, std::uint64_t pad) const {
    const std::uint8_t* payload = message.payload.data();
    std::uint64_t acc = hash_.step(0, direction(sender) | std::uint64_t{static_cast<std::uint8_t>(message.type)} << 8);
    acc = hash_.step(acc, sequence);
    for (std::size_t at = 0; at < payload_bytes; at += WORD_BYTES) {
        acc = hash_.step(acc, load_le(payload + at, std::min(WORD_BYTES, payload_bytes - at)));
    }
    return hash_.step(acc, payload_bytes) ^ pad;
}

void AuthenticatedChannel::send(Message message) {
    if (message.payload.size() > MAX_PAYLOAD_BYTES - TAG_BYTES) {
        throw ChannelError("authenticated channel: a " + to_string(message.type) + " payload of " +
                           std::to_string(message.payload.size()) + " bytes and its tag exceed the maximum of " +
                           std::to_string(MAX_PAYLOAD_BYTES));
    }
    std::uint64_t pad = 0, sequence = 0;
    {
        std::lock_guard lock(mutex_);
        pad = pool_.take(self_);
        sequence = sent_++;
    }
    const std::uint64_t mac = tag(self_, sequence, message, message.payload.size(), pad);
    store_le(mac, TAG_BYTES, message.payload);
    inner_.send(std::move(message));
}

Message AuthenticatedChannel::receive() {
    const Party peer = self_ == Party::alice ? Party::bob : Party::alice;
    {
        std::lock_guard lock(mutex_);
        if (failed_) {
            throw AuthenticationFailure("authenticated channel: closed to incoming messages after a failure");
        }
    }
    Message message = inner_.receive();
    std::uint64_t pad = 0, sequence = 0;
    {
        std::lock_guard lock(mutex_);
        failed_ = true;  // until the check below passes
        pad = pool_.take(peer);
        sequence = received_++;
    }
    auto which = [&] {
        return std::string(name(peer)) + "'s message " + std::to_string(sequence) + " (" + to_string(message.type) +
               ")";
    };
    if (message.payload.size() < TAG_BYTES) {
        throw AuthenticationFailure("authentication failed: " + which() + " has " +
                                    std::to_string(message.payload.size()) + " bytes, too few for its " +
                                    std::to_string(TAG_BYTES) + "-byte tag");
    }
    const std::size_t payload_bytes = message.payload.size() - TAG_BYTES;
    const std::uint64_t carried = load_le(message.payload.data() + payload_bytes, TAG_BYTES);
    if (tag(peer, sequence, message, payload_bytes, pad) != carried) {
        throw AuthenticationFailure("authentication failed: " + which() + " carries a wrong tag");
    }
    message.payload.resize(payload_bytes);
    std::lock_guard lock(mutex_);
    failed_ = false;
    return message;
}

std::uint64_t AuthenticatedChannel::messages_sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

std::uint64_t AuthenticatedChannel::messages_received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

std::uint64_t AuthenticatedChannel::tag_bits_consumed() const {
    std::lock_guard lock(mutex_);
    return HASH_KEY_BITS + TAG_BITS * (sent_ + received_);
}

}  // namespace qkdlab::qkd
