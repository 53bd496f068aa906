#include "qkdlab/qkd/postprocess.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <thread>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/ldpc.h"
#include "qkdlab/qkd/message_codec.h"
#include "qkdlab/qkd/privacy_amplification.h"
#include "qkdlab/qkd/reconciliation.h"
#include "qkdlab/qkd/verification.h"

namespace qkdlab::qkd {
namespace {

constexpr std::uint32_t PROTOCOL_VERSION = 2;
// Detections per sifting message from Bob (sift_block): about 3 MB each at a 1 GHz link's spacing.
constexpr std::size_t SIFTING_CHUNK = std::size_t{1} << 20;

// What Bob's LDPC result message discloses besides the frames' flags: the number of bits he corrected
// (a u64; it tells at most 64 bits about the key), and a bit more, conservatively. Counted as leaked
// with every syndrome bit. Cascade has no result message: its outcome follows from the parities.
constexpr std::uint64_t RESULT_ANNOUNCEMENT_BITS = 65;

// An abort decided on this side (tell_peer: the peer cannot know it and is sent an abort message)
// or announced by the peer.
struct BlockAbort {
    std::string stage;
    std::string reason;
    bool tell_peer = true;
};

// FNV-1a, 64 bits (Fowler, Noll and Vo): a fingerprint of the configuration text both sides must
// share, to refuse a peer that emulated another link or runs other options.
std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t hash = 0xcbf29ce484222325u;
    for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3u;
    return hash;
}

std::uint64_t configuration_fingerprint(const Link& link, const PostprocessOptions& options) {
    nlohmann::json config = {{"link", to_json(link)},
                             {"sample_fraction", options.estimation.sample_fraction},
                             {"failure_probability", options.estimation.failure_probability},
                             {"reconciliation_efficiency", options.estimation.reconciliation_efficiency},
                             {"reconciliation", to_string(options.reconciliation)},
                             {"cascade_schedule", static_cast<int>(options.cascade.schedule)},
                             {"ldpc_frame_bits", options.ldpc.frame_bits},
                             {"ldpc_mother_rates", options.ldpc.mother_rates},
                             {"ldpc_target_efficiency", options.ldpc.target_efficiency},
                             {"ldpc_adaptation_fraction", options.ldpc.adaptation_fraction},
                             {"ldpc_max_iterations", options.ldpc.max_iterations},
                             {"ldpc_code_seed", options.ldpc.code_seed},
                             {"epsilon_sec", options.epsilon_sec},
                             {"epsilon_cor", options.epsilon_cor}};
    return fnv1a(config.dump());
}

// The CPU time of the calling thread (this party's work, without the time spent waiting for the
// peer), in seconds.
double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// The intensity indices ordered by mean photon number, highest first (Lim et al.'s mu1, mu2, mu3).
std::array<std::size_t, 3> intensity_order(const Link& link) {
    std::array<std::size_t, 3> order{0, 1, 2};
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return link.source.intensities[a].mean_photon_number > link.source.intensities[b].mean_photon_number;
    });
    return order;
}

void write_cascade(MessageWriter& w, const CascadeMessage& message) {
    w.u64(message.passes.size());
    for (const CascadePass& pass : message.passes) {
        w.u8(static_cast<std::uint8_t>(pass.order.kind)).u64(pass.order.seed).u64(pass.block_bits);
    }
    w.u64(message.start_next_pass_after).bits(message.differences).bits(message.parities);
}

CascadeMessage read_cascade(const Message& m, MessageType type) {
    MessageReader r(m, type);
    CascadeMessage message;
    const std::uint64_t passes = r.u64();
    constexpr std::size_t PASS_BYTES = 17;  // kind, seed and block size
    if (passes > m.payload.size() / PASS_BYTES) throw ChannelError("malformed Cascade message: too many passes");
    for (std::uint64_t i = 0; i < passes; ++i) {
        const std::uint8_t kind = r.u8();
        if (kind > static_cast<std::uint8_t>(KeyOrder::Kind::split)) {
            throw ChannelError("malformed Cascade message: key order kind " + std::to_string(kind));
        }
        const std::uint64_t seed = r.u64();
        message.passes.push_back({{static_cast<KeyOrder::Kind>(kind), seed}, r.u64()});
    }
    message.start_next_pass_after = r.u64();
    message.differences = r.bits();
    message.parities = r.bits();
    r.finish();
    return message;
}

class Session {
  public:
    Session(ClassicalChannel& channel, AuthenticationKeyPool& pool, const PartyRecords& own, const Link& link,
            const PostprocessOptions& options, std::uint64_t block_index, core::Rng& rng)
        : channel_(channel),
          pool_(pool),
          own_(own),
          link_(link),
          options_(options),
          block_index_(block_index),
          rng_(rng) {
        report_.party = own.party;
        report_.method = options.reconciliation;
        report_.pulses = own.pulses;
        report_.emulated_seconds = static_cast<double>(own.pulses) / link.clock_hz;
        report_.detections = own.pulse_index.size();
    }

    PartyOutcome run() {
        const double cpu_start = thread_cpu_seconds();
        const std::uint64_t pool_before = pool_.consumed_bits();
        const std::uint64_t sent_before = channel_.bytes_sent(), received_before = channel_.bytes_received();
        PartyOutcome out;
        try {
            out.key = run_stages();
            report_.aborted = false;
        } catch (const BlockAbort& abort) {
            abort_with(abort.stage, abort.reason, abort.tell_peer);
        } catch (const AuthenticationFailure& failure) {
            abort_with("authentication", failure.what(), true);
        } catch (const std::exception& e) {
            // Not an outcome (a transport failure, a bug): the peer is told, so it does not wait for
            // its timeout, and the exception goes on.
            abort_with(stage_, e.what(), true);
            throw;
        }
        if (report_.aborted) out.key.reset();
        report_.authentication_bits_used = pool_.consumed_bits() - pool_before;
        report_.bytes_sent = channel_.bytes_sent() - sent_before;
        report_.bytes_received = channel_.bytes_received() - received_before;
        if (out.key) replenish_and_finish(out);
        report_.cpu_seconds = thread_cpu_seconds() - cpu_start;
        out.report = report_;
        return out;
    }

  private:
    bool is_alice() const { return own_.party == Party::alice; }

    void send(MessageWriter& writer) {
        channel_.send(writer.take());
        ++report_.messages_sent;
    }

    // The next message, which must be of type `expected` (or `alternative`); an abort from the peer
    // ends the block.
    Message receive(MessageType expected, MessageType alternative) {
        Message message = channel_.receive();
        if (message.type == MessageType::abort && expected != MessageType::abort) {
            MessageReader r(message, MessageType::abort);
            const std::vector<std::uint8_t> stage = r.bytes(), reason = r.bytes();
            throw BlockAbort{"peer",
                             "the peer aborted at " + std::string(stage.begin(), stage.end()) + ": " +
                                 std::string(reason.begin(), reason.end()),
                             false};
        }
        if (message.type != expected && message.type != alternative) {
            throw BlockAbort{stage_, "expected a " + to_string(expected) + " message, got " + to_string(message.type)};
        }
        return message;
    }
    Message receive(MessageType expected) { return receive(expected, expected); }

    void abort_with(const std::string& stage, const std::string& reason, bool tell_peer) {
        report_.aborted = true;
        report_.abort_stage = stage;
        report_.abort_reason = reason;
        if (!tell_peer) return;
        try {
            MessageWriter w(MessageType::abort);
            w.bytes({reinterpret_cast<const std::uint8_t*>(stage.data()), stage.size()})
                .bytes({reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size()});
            send(w);
        } catch (const std::exception&) {
            // The peer is gone or the pool is spent: it learns of the abort from its own timeout.
        }
    }

    // Runs one stage and adds its wall-clock time (waiting for the peer included) to the report.
    template <class Stage>
    auto timed(const char* name, Stage stage) {
        stage_ = name;
        const auto start = std::chrono::steady_clock::now();
        struct Record {
            BlockReport& report;
            const char* name;
            std::chrono::steady_clock::time_point start;
            ~Record() {
                report.stage_seconds.emplace_back(
                    name, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            }
        } record{report_, name, start};
        return stage();
    }

    std::optional<KeyBlock> run_stages() {
        timed("hello", [&] { hello(); });
        const SiftedKey sifted = timed("sifting", [&] { return sift_block(); });
        core::BitVector key = timed("estimation", [&] { return estimate(sifted); });
        key = timed("reconciliation", [&] { return reconcile(std::move(key)); });
        timed("verification", [&] { verify(key); });
        core::BitVector final_key = timed("privacy amplification", [&] { return amplify(sifted, key); });
        key.wipe();
        timed("confirmation", [&] { confirm(final_key); });
        KeyBlock block;
        block.key = std::move(final_key);
        block.id = report_.key_id;
        block.epsilon_sec = options_.epsilon_sec;
        block.epsilon_cor = options_.epsilon_cor;
        block.link = link_.name;
        block.block_index = block_index_;
        block.created_unix_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        return block;
    }

    void hello() {
        MessageWriter w(MessageType::hello);
        w.u32(PROTOCOL_VERSION)
            .u8(static_cast<std::uint8_t>(own_.party))
            .u64(fingerprint_)
            .u64(own_.pulses)
            .u64(block_index_);
        send(w);
        const Message m = receive(MessageType::hello);
        MessageReader r(m, MessageType::hello);
        const std::uint32_t version = r.u32();
        const std::uint8_t party = r.u8();
        const std::uint64_t fingerprint = r.u64(), pulses = r.u64(), block = r.u64();
        r.finish();
        if (version != PROTOCOL_VERSION) {
            throw BlockAbort{"hello", "the peer speaks protocol version " + std::to_string(version) + ", this side " +
                                          std::to_string(PROTOCOL_VERSION)};
        }
        if (party == static_cast<std::uint8_t>(own_.party)) {
            throw BlockAbort{"hello", std::string("both sides play ") + (is_alice() ? "Alice" : "Bob")};
        }
        if (fingerprint != fingerprint_ || pulses != own_.pulses || block != block_index_) {
            throw BlockAbort{"hello", "the peer runs another link, pulse count, block or options (fingerprint " +
                                          std::to_string(fingerprint) + " vs " + std::to_string(fingerprint_) + ", " +
                                          std::to_string(pulses) + " vs " + std::to_string(own_.pulses) + " pulses)"};
        }
    }

    // Bob announces his detected pulses (varint steps) and his setting for each (2 bits), in chunks
    // of SIFTING_CHUNK detections, each message carrying the block's total first; Alice checks each
    // chunk as it arrives, while Bob encodes the next (the two parties work side by side), and then
    // answers once with her intensity and setting for every detection (4 bits, pack_settings) and her
    // pulse counts. Alice answers only after reading every chunk, so neither party ever writes while
    // the other writes too (over TCP, two large writes facing each other could fill both socket
    // buffers and block for good).
    SiftedKey sift_block() {
        SiftingAnnouncement announced;
        announced.protocol = own_.protocol;
        const std::size_t n = own_.pulse_index.size();
        const std::size_t chunks = std::max<std::size_t>(1, (n + SIFTING_CHUNK - 1) / SIFTING_CHUNK);
        announced.settings.resize(n);
        announced.pulse_index = own_.pulse_index;
        if (is_alice()) {
            for (std::size_t c = 0; c < chunks; ++c) {
                const std::size_t begin = c * SIFTING_CHUNK, end = std::min(n, begin + SIFTING_CHUNK);
                const Message m = receive(MessageType::detections);
                MessageReader r(m, MessageType::detections);
                const std::uint64_t total = r.u64();
                const std::vector<std::uint64_t> pulses = r.increasing();
                const std::vector<std::uint8_t> bob_settings = r.packed(2);
                r.finish();
                if (total != n || !std::ranges::equal(pulses, std::span(own_.pulse_index).subspan(begin, end - begin)) ||
                    bob_settings.size() != end - begin) {
                    throw BlockAbort{"sifting", "Bob announced " + std::to_string(total) +
                                                    " detected pulses, not all of them among the " +
                                                    std::to_string(n) + " pulses Alice holds records of"};
                }
                for (std::size_t i = begin; i < end; ++i)
                    announced.settings[i] = static_cast<std::uint8_t>(own_.settings[i] | bob_settings[i - begin] << 4);
            }
            announced.pulses_per_intensity = own_.pulses_per_intensity;
            MessageWriter w(MessageType::settings);
            w.packed(own_.settings, 4).u64s(own_.pulses_per_intensity);
            send(w);
        } else {
            std::vector<std::uint8_t> bob_settings;
            for (std::size_t c = 0; c < chunks; ++c) {
                const std::size_t begin = c * SIFTING_CHUNK, end = std::min(n, begin + SIFTING_CHUNK);
                bob_settings.resize(end - begin);
                for (std::size_t i = begin; i < end; ++i)
                    bob_settings[i - begin] = static_cast<std::uint8_t>(settings_bob(own_.settings[i]));
                MessageWriter w(MessageType::detections);
                w.u64(n).increasing(std::span(own_.pulse_index).subspan(begin, end - begin)).packed(bob_settings, 2);
                send(w);
            }
            const Message m = receive(MessageType::settings);
            MessageReader r(m, MessageType::settings);
            const std::vector<std::uint8_t> alice_settings = r.packed(4);
            announced.pulses_per_intensity = r.u64s();
            r.finish();
            if (alice_settings.size() != n) {
                throw BlockAbort{"sifting", "Alice announced settings for " + std::to_string(alice_settings.size()) +
                                                " of " + std::to_string(n) + " detections"};
            }
            for (std::size_t i = 0; i < n; ++i)
                announced.settings[i] = static_cast<std::uint8_t>(alice_settings[i] | own_.settings[i]);
        }
        SiftedKey sifted;
        try {
            sifted = sift(announced, own_.bits);
        } catch (const Error& e) {
            throw BlockAbort{"sifting", e.what()};
        }
        report_.sifted_bits = sifted.key.size();
        report_.test_bits = sifted.test.size();
        return sifted;
    }

    core::BitVector estimate(const SiftedKey& sifted) {
        KeySample sample;
        Disclosure alice, bob;
        if (is_alice()) {
            sample = draw_sample(sifted.key.size(), options_.estimation.sample_fraction, rng_);
            alice = disclose(sifted, sample);
            MessageWriter w(MessageType::estimation_sample);
            w.bits(sample.mask).bits(alice.sample_bits).bits(alice.test_bits);
            send(w);
            const Message m = receive(MessageType::estimation_bits);
            MessageReader r(m, MessageType::estimation_bits);
            bob.sample_bits = r.bits();
            bob.test_bits = r.bits();
            r.finish();
        } else {
            const Message m = receive(MessageType::estimation_sample);
            MessageReader r(m, MessageType::estimation_sample);
            sample.mask = r.bits();
            alice.sample_bits = r.bits();
            alice.test_bits = r.bits();
            r.finish();
            sample.bits = sample.mask.popcount();
            if (sample.mask.size() != sifted.key.size()) {
                throw BlockAbort{"estimation", "Alice's sample covers " + std::to_string(sample.mask.size()) +
                                                   " positions of a " + std::to_string(sifted.key.size()) + "-bit key"};
            }
            bob = disclose(sifted, sample);
            MessageWriter w(MessageType::estimation_bits);
            w.bits(bob.sample_bits).bits(bob.test_bits);
            send(w);
        }
        ParameterEstimate estimate;
        try {
            estimate = assess_disclosures(sifted, sample, alice, bob, options_.estimation);
        } catch (const Error& e) {
            throw BlockAbort{"estimation", e.what()};
        }
        report_.sample_bits = sample.bits;
        report_.bit_error = estimate.bit_error;
        report_.phase_error = estimate.phase_error;
        report_.qber_limit = estimate.qber_limit;
        test_by_settings_ = estimate.test_by_settings;
        // Both sides reach the same verdict from the same disclosures: nothing to tell.
        if (estimate.aborted) throw BlockAbort{"estimation", to_string(estimate.reason), false};
        return select_bits(sifted.key, sample.mask, false);
    }

    core::BitVector reconcile(core::BitVector key) {
        report_.reconciled_bits = key.size();
        if (options_.reconciliation == ReconciliationMethod::ldpc) return reconcile_ldpc(std::move(key));
        report_.frames = 1;
        // Both sides run Cascade's state machine and alternate messages until one asks no parity;
        // each knows the outcome from what was exchanged (no result message).
        const double qber = report_.bit_error.qber;
        const MessageType own = is_alice() ? MessageType::cascade_alice : MessageType::cascade_bob;
        const MessageType peer = is_alice() ? MessageType::cascade_bob : MessageType::cascade_alice;
        ReconciliationResult result;
        try {
            CascadeParty party =
                is_alice() ? CascadeParty::alice(key, qber, options_.cascade, rng_) : CascadeParty::bob(key, qber);
            std::optional<CascadeMessage> out;
            if (is_alice()) out = party.first_message();
            while (true) {
                if (out) {
                    MessageWriter w(own);
                    write_cascade(w, *out);
                    send(w);
                }
                if (party.done()) break;
                out = party.step(read_cascade(receive(peer), peer));
            }
            report_.corrected_bits = party.corrections();
            result = party.result();
        } catch (const Error& e) {
            throw BlockAbort{"reconciliation", e.what()};  // a message that does not fit the shared state
        }
        report_.leaked_bits = result.leaked_bits;
        report_.round_trips = result.round_trips;
        finish_reconciliation(key.size(), qber, result.success);
        key.wipe();
        return std::move(result.corrected_key);
    }

    // LDPC: Alice sends every frame's code, puncturing, shortening and syndrome in one message; Bob
    // decodes and announces which frames decoded (one bit each, counted as leaked); both keep those.
    core::BitVector reconcile_ldpc(core::BitVector key) {
        const double qber = report_.bit_error.qber;
        LdpcSyndromes syndromes;
        std::vector<bool> decoded;
        if (is_alice()) {
            syndromes = ldpc_syndromes(key, qber, options_.ldpc, rng_);
            MessageWriter w(MessageType::syndrome);
            w.u64(syndromes.key_bits).u64(syndromes.leaked_bits).u64(syndromes.frames.size());
            for (const LdpcFrame& f : syndromes.frames) {
                w.u32(f.code.bits)
                    .u32(f.code.checks)
                    .u64(f.code.seed)
                    .u32(f.punctured)
                    .u32(f.shortened)
                    .u64(f.shortening_seed);
                w.bits(f.syndrome);
            }
            send(w);
            const Message m = receive(MessageType::frame_result);
            MessageReader r(m, MessageType::frame_result);
            const core::BitVector flags = r.bits();
            report_.corrected_bits = r.u64();
            r.finish();
            if (flags.size() != syndromes.frames.size()) {
                throw BlockAbort{"reconciliation", "Bob announced " + std::to_string(flags.size()) + " frames of " +
                                                       std::to_string(syndromes.frames.size())};
            }
            for (std::size_t i = 0; i < flags.size(); ++i) decoded.push_back(flags[i]);
        } else {
            const Message m = receive(MessageType::syndrome);
            MessageReader r(m, MessageType::syndrome);
            syndromes.key_bits = r.u64();
            syndromes.leaked_bits = r.u64();
            const std::uint64_t frames = r.u64();
            if (frames > m.payload.size() / 32) throw BlockAbort{"reconciliation", "Alice announced too many frames"};
            for (std::uint64_t i = 0; i < frames; ++i) {
                LdpcFrame f;
                f.code.bits = r.u32();
                f.code.checks = r.u32();
                f.code.seed = r.u64();
                f.punctured = r.u32();
                f.shortened = r.u32();
                f.shortening_seed = r.u64();
                f.syndrome = r.bits();
                syndromes.frames.push_back(std::move(f));
            }
            r.finish();
            LdpcDecoding decoding;
            try {
                decoding = ldpc_decode(key, syndromes, qber, options_.ldpc);
            } catch (const Error& e) {
                throw BlockAbort{"reconciliation", std::string("Alice's syndromes do not fit: ") + e.what()};
            }
            decoded = decoding.frame_decoded;
            core::BitVector flags(decoded.size());
            for (std::size_t i = 0; i < decoded.size(); ++i) flags[i] = decoded[i];
            const core::BitVector before = keep_decoded_frames(key, syndromes, decoded);
            core::BitVector after = keep_decoded_frames(decoding.corrected_key, syndromes, decoded);
            report_.corrected_bits = before.hamming_distance(after);
            decoding.corrected_key.wipe();
            key.wipe();
            key = std::move(after);
            MessageWriter w(MessageType::frame_result);
            w.bits(flags).u64(report_.corrected_bits);
            send(w);
        }
        report_.frames = syndromes.frames.size();
        report_.round_trips = 1;
        report_.frame_errors = static_cast<std::uint64_t>(std::count(decoded.begin(), decoded.end(), false));
        report_.leaked_bits = syndromes.leaked_bits + syndromes.frames.size() + RESULT_ANNOUNCEMENT_BITS;
        if (is_alice()) {
            core::BitVector kept = keep_decoded_frames(key, syndromes, decoded);
            key.wipe();
            key = std::move(kept);
        }
        const std::size_t bits = key.size();
        const double found = bits > 0 ? static_cast<double>(report_.corrected_bits) / static_cast<double>(bits) : 0;
        report_.reconciliation_efficiency =
            reconciliation_efficiency(report_.leaked_bits, report_.reconciled_bits, found > 0 ? found : qber);
        report_.discarded_bits = report_.reconciled_bits - bits;
        if (bits == 0) throw BlockAbort{"reconciliation", "no LDPC frame decoded", false};
        return key;
    }

    void finish_reconciliation(std::size_t bits, double qber, bool success) {
        // f at the error rate reconciliation found (Bob's corrections, which he announces: the number
        // of errors is not secret), or at the estimate if it failed.
        const double found = static_cast<double>(report_.corrected_bits) / static_cast<double>(bits);
        report_.reconciliation_efficiency =
            reconciliation_efficiency(report_.leaked_bits, bits, success && found > 0 ? found : qber);
        report_.frame_errors = success ? 0 : 1;
        if (!success) throw BlockAbort{"reconciliation", "Cascade found Alice's parities inconsistent", false};
    }

    // Alice draws a fresh hash for keys of up to max_key_bits and sends its points and her tag of
    // `key` (xored with `pad` when one is given); Bob compares with his own and answers (`reply`).
    // Both return whether the tags agreed. Used by verification and by the final confirmation.
    bool tags_agree(MessageType request, MessageType reply, const core::BitVector& key, std::size_t max_key_bits,
                    const core::BitVector* pad) {
        VerificationHash hash;
        hash.tag_bits = verification_tag_bits(max_key_bits, options_.epsilon_cor);
        hash.max_key_bits = max_key_bits;
        hash.collision_bound = verification_collision_bound(max_key_bits, hash.tag_bits);
        const auto own_tag = [&] {
            core::BitVector tag = verification_tag(key, hash);
            if (pad) tag ^= *pad;
            return tag;
        };
        if (is_alice()) {
            hash = draw_verification_hash(max_key_bits, options_.epsilon_cor, rng_);
            MessageWriter w(request);
            w.u64s(hash.points).bits(own_tag());
            send(w);
            const Message m = receive(reply);
            MessageReader r(m, reply);
            const bool agreed = r.u8() != 0;
            r.finish();
            return agreed;
        }
        const Message m = receive(request);
        MessageReader r(m, request);
        hash.points = r.u64s();
        const core::BitVector tag = r.bits();
        r.finish();
        if (tag.size() != hash.tag_bits || hash.points.size() != (hash.tag_bits + 63) / 64) {
            throw BlockAbort{stage_, "Alice's " + std::to_string(tag.size()) + "-bit tag on " +
                                         std::to_string(hash.points.size()) + " points does not fit a " +
                                         std::to_string(max_key_bits) + "-bit key at eps_cor " +
                                         std::to_string(options_.epsilon_cor)};
        }
        const bool agreed = own_tag() == tag;
        MessageWriter w(reply);
        w.u8(agreed ? 1 : 0);
        send(w);
        return agreed;
    }

    void verify(const core::BitVector& key) {
        report_.verification_tag_bits = verification_tag_bits(key.size(), options_.epsilon_cor);
        report_.verification_collision_bound = verification_collision_bound(key.size(), report_.verification_tag_bits);
        report_.verified =
            tags_agree(MessageType::verification, MessageType::verification_result, key, key.size(), nullptr);
        if (!report_.verified) throw BlockAbort{"verification", "the keys' verification tags differ", false};
    }

    FiniteKeyLength finite_key(const SiftedKey& sifted) const {
        // The bits removed from the key (the sample, frames that failed) count as disclosed: the
        // min-entropy of a part of the key is at least the whole's minus the bits left out.
        const double leaked = static_cast<double>(report_.leaked_bits + report_.sample_bits + report_.discarded_bits +
                                                  report_.verification_tag_bits);
        if (own_.protocol == Protocol::bbm92) {
            EntangledFiniteKeyInput in;
            in.key_detections = sifted.key.size();
            for (const BitTally& t : test_by_settings_) {
                in.test_detections += t.bits;
                in.test_errors += t.errors;
            }
            in.leaked_bits = leaked;
            in.epsilon_sec = options_.epsilon_sec;
            in.epsilon_cor = options_.epsilon_cor;
            return finite_key_length(in);
        }
        FiniteKeyInput in;
        const std::array<std::size_t, 3> order = intensity_order(link_);
        for (std::size_t k = 0; k < 3; ++k) {
            const std::size_t i = order[k];
            in.mean_photon_numbers[k] = link_.source.intensities[i].mean_photon_number;
            in.intensity_probabilities[k] = link_.source.intensities[i].probability;
            in.key_basis.detections[k] = sifted.counts.key_per_intensity.at(i);
            const BitTally& x = test_by_settings_[pack_settings(static_cast<unsigned>(i), 1, 1)];
            in.test_basis.detections[k] = x.bits;
            in.test_basis.errors[k] = x.errors;
        }
        in.leaked_bits = leaked;
        in.epsilon_sec = options_.epsilon_sec;
        in.epsilon_cor = options_.epsilon_cor;
        return finite_key_length(in);
    }

    core::BitVector amplify(const SiftedKey& sifted, const core::BitVector& key) {
        report_.finite_key = finite_key(sifted);
        const std::uint64_t length = std::min<std::uint64_t>(report_.finite_key.length, key.size());
        confirmation_bits_ = verification_tag_bits(length, options_.epsilon_cor);
        if (length <= confirmation_bits_) {
            throw BlockAbort{"privacy amplification",
                             "the finite-key bound leaves " + std::to_string(length) + " bits, no more than the " +
                                 std::to_string(confirmation_bits_) + " the key confirmation spends",
                             false};
        }
        core::BitVector seed;
        if (is_alice()) {
            report_.key_id = new_key_id();
            seed = draw_toeplitz_seed(key.size(), length, rng_);
            MessageWriter w(MessageType::privacy_seed);
            w.bytes({reinterpret_cast<const std::uint8_t*>(report_.key_id.data()), report_.key_id.size()})
                .u64(length)
                .bits(seed);
            send(w);
        } else {
            const Message m = receive(MessageType::privacy_seed);
            MessageReader r(m, MessageType::privacy_seed);
            const std::vector<std::uint8_t> id = r.bytes();
            const std::uint64_t alice_length = r.u64();
            seed = r.bits();
            r.finish();
            report_.key_id.assign(id.begin(), id.end());
            if (alice_length != length || seed.size() != key.size() + length - 1) {
                throw BlockAbort{"privacy amplification", "Alice's output length " + std::to_string(alice_length) +
                                                              " (seed of " + std::to_string(seed.size()) +
                                                              " bits) differs from Bob's " + std::to_string(length)};
            }
        }
        report_.final_key_bits = length;
        return toeplitz_hash(key, length, seed);
    }

    // Alice's hash of the final key but its last confirmation_bits_, one-time-padded with those
    // bits (uniform and independent of the rest, so the tag tells Eve nothing); they are dropped.
    void confirm(core::BitVector& final_key) {
        const std::size_t kept = final_key.size() - confirmation_bits_;
        core::BitVector body = final_key.slice(0, kept);
        core::BitVector pad = final_key.slice(kept, confirmation_bits_);
        final_key.wipe();
        final_key = std::move(body);
        const bool identical =
            tags_agree(MessageType::confirmation, MessageType::confirmation, final_key, report_.final_key_bits, &pad);
        pad.wipe();
        report_.confirmation_bits = confirmation_bits_;
        report_.keys_identical = identical;
        if (!identical) throw BlockAbort{"confirmation", "the final keys' hashes differ", false};
    }

    // Refills the authentication pool with as many key bits as this block's messages used (the same
    // count on both sides), then hands over the rest.
    void replenish_and_finish(PartyOutcome& out) {
        core::BitVector& key = out.key->key;
        const std::size_t refill = std::min<std::size_t>(report_.authentication_bits_used, key.size());
        core::BitVector rest = key.slice(refill, key.size() - refill);
        pool_.replenish(key.slice(0, refill));
        key.wipe();
        key = std::move(rest);
        report_.authentication_bits_replenished = refill;
        report_.delivered_key_bits = key.size();
        if (key.empty()) out.key.reset();
    }

    ClassicalChannel& channel_;
    AuthenticationKeyPool& pool_;
    const PartyRecords& own_;
    const Link& link_;
    const PostprocessOptions& options_;
    std::uint64_t block_index_;
    core::Rng& rng_;
    std::uint64_t fingerprint_ = configuration_fingerprint(link_, options_);
    std::string stage_;
    BlockReport report_;
    std::array<BitTally, 64> test_by_settings_{};
    std::size_t confirmation_bits_ = 0;
};

}  // namespace

std::string to_string(ReconciliationMethod method) {
    return method == ReconciliationMethod::cascade ? "cascade" : "ldpc";
}

ReconciliationMethod parse_reconciliation_method(const std::string& name) {
    if (name == "cascade") return ReconciliationMethod::cascade;
    if (name == "ldpc") return ReconciliationMethod::ldpc;
    throw Error("unknown reconciliation method '" + name + "'; expected cascade or ldpc");
}

void check(const PostprocessOptions& options) {
    try {
        check(options.estimation);
    } catch (const ConfigError& e) {
        throw ConfigError("/estimation" + e.json_path(), e.message());
    }
    try {
        check(options.ldpc);
    } catch (const ConfigError& e) {
        throw ConfigError("/ldpc" + e.json_path(), e.message());
    }
    for (const auto& [name, eps] :
         {std::pair{"/epsilon_sec", options.epsilon_sec}, {"/epsilon_cor", options.epsilon_cor}}) {
        if (!(eps > 0 && eps < 1))
            throw ConfigError(name, "is " + std::to_string(eps) + "; expected a value in (0, 1)");
    }
}

void check_postprocessable(const Link& link) {
    if (link.protocol == Protocol::bbm92) return;
    if (link.protocol != Protocol::decoy_bb84) {
        throw Error(
            "post-processing needs a finite-key bound for the protocol: decoy-bb84 (Lim et al. 2014) or bbm92; "
            "the link runs " +
            to_string(link.protocol));
    }
    if (link.source.intensities.size() != 3) {
        throw Error("the finite-key bound of Lim et al. 2014 needs exactly three intensities; the link has " +
                    std::to_string(link.source.intensities.size()));
    }
    const std::array<std::size_t, 3> order = intensity_order(link);
    const double mu1 = link.source.intensities[order[0]].mean_photon_number;
    const double mu2 = link.source.intensities[order[1]].mean_photon_number;
    const double mu3 = link.source.intensities[order[2]].mean_photon_number;
    if (!(mu2 > mu3) || !(mu1 > mu2 + mu3)) {
        throw Error(
            "the finite-key bound of Lim et al. 2014 needs intensities mu1 > mu2 + mu3 and mu2 > mu3; the link "
            "has " +
            std::to_string(mu1) + ", " + std::to_string(mu2) + ", " + std::to_string(mu3));
    }
}

PartyRecords party_records(const RawRecords& records, Party party) {
    PartyRecords out;
    out.party = party;
    out.protocol = records.protocol;
    out.pulses = records.pulses;
    if (party == Party::alice) out.pulses_per_intensity = records.pulses_per_intensity;
    out.pulse_index = records.pulse_index;
    out.settings.resize(records.tags.size());
    for (std::size_t i = 0; i < records.tags.size(); ++i) {
        const DetectionTag tag = records.tags[i];
        out.settings[i] = party == Party::alice ? pack_settings(tag.intensity(), tag.alice_setting(), 0)
                                                : pack_settings(0, 0, tag.bob_setting());
    }
    out.bits = raw_bits(records, party);
    return out;
}

PartyOutcome run_party(ClassicalChannel& channel, AuthenticationKeyPool& pool, const PartyRecords& own,
                       const Link& link, const PostprocessOptions& options, std::uint64_t block_index, core::Rng& rng) {
    check(options);
    check_postprocessable(link);
    if (own.protocol != link.protocol) {
        throw Error("the records come from a " + to_string(own.protocol) + " run, the link runs " +
                    to_string(link.protocol));
    }
    return Session(channel, pool, own, link, options, block_index, rng).run();
}

PostprocessRun run_parties(ClassicalChannel& alice_end, ClassicalChannel& bob_end, AuthenticationKeyPool& alice_pool,
                           AuthenticationKeyPool& bob_pool, const PartyRecords& alice_half,
                           const PartyRecords& bob_half, const Link& link, const PostprocessOptions& options,
                           std::uint64_t seed, std::uint64_t block_index) {
    check(options);
    check_postprocessable(link);
    const auto stream = [seed, block_index](std::uint32_t party) {
        std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), party,
                               static_cast<std::uint32_t>(block_index), static_cast<std::uint32_t>(block_index >> 32)};
        return core::Rng(sequence);
    };
    core::Rng alice_rng = stream(1), bob_rng = stream(2);
    PostprocessRun run;
    std::exception_ptr alice_failure;
    std::thread alice([&] {
        try {
            AuthenticatedChannel channel(alice_end, alice_pool, Party::alice);
            run.alice = run_party(channel, alice_pool, alice_half, link, options, block_index, alice_rng);
        } catch (...) {
            alice_failure = std::current_exception();
        }
    });
    std::exception_ptr bob_failure;
    try {
        AuthenticatedChannel channel(bob_end, bob_pool, Party::bob);
        run.bob = run_party(channel, bob_pool, bob_half, link, options, block_index, bob_rng);
    } catch (...) {
        bob_failure = std::current_exception();
    }
    alice.join();
    if (alice_failure) std::rethrow_exception(alice_failure);
    if (bob_failure) std::rethrow_exception(bob_failure);
    return run;
}

std::vector<RawRecords> split_into_blocks(const RawRecords& records, std::uint64_t blocks) {
    if (blocks < 1 || blocks > records.pulses) {
        throw Error("split_into_blocks: " + std::to_string(blocks) + " blocks of a run of " +
                    std::to_string(records.pulses) + " pulses; expected 1 to the pulse count");
    }
    const std::uint64_t length = records.pulses / blocks;
    std::vector<RawRecords> out(blocks);
    std::size_t d = 0;
    for (std::uint64_t b = 0; b < blocks; ++b) {
        RawRecords& block = out[b];
        block.protocol = records.protocol;
        const std::uint64_t first = b * length;
        const std::uint64_t end = b + 1 == blocks ? records.pulses : first + length;
        block.pulses = end - first;
        // Largest remainders: floor shares, then one more to the intensities with the largest
        // fractional parts until the counts add up to the block's pulses.
        const std::size_t k = records.pulses_per_intensity.size();
        std::vector<std::pair<double, std::size_t>> remainders;
        std::uint64_t assigned = 0;
        block.pulses_per_intensity.resize(k);
        for (std::size_t i = 0; i < k; ++i) {
            const double share = static_cast<double>(records.pulses_per_intensity[i]) *
                                 static_cast<double>(block.pulses) / static_cast<double>(records.pulses);
            block.pulses_per_intensity[i] = static_cast<std::uint64_t>(share);
            assigned += block.pulses_per_intensity[i];
            remainders.emplace_back(share - std::floor(share), i);
        }
        std::sort(remainders.begin(), remainders.end(), std::greater<>());
        for (std::size_t i = 0; assigned < block.pulses && k > 0; ++i, ++assigned)
            ++block.pulses_per_intensity[remainders[i % k].second];
        for (; d < records.pulse_index.size() && records.pulse_index[d] < end; ++d)
            block.add(records.pulse_index[d], records.tags[d]);
    }
    return out;
}

std::vector<PostprocessRun> postprocess_blocks(std::span<const RawRecords> blocks, const Link& link,
                                               const PostprocessOptions& options, std::uint64_t seed,
                                               const core::BitVector& pre_shared_key) {
    auto [alice_end, bob_end] = in_process_channel_pair();
    AuthenticationKeyPool alice_pool(pre_shared_key), bob_pool(pre_shared_key);
    std::vector<PostprocessRun> runs;
    for (std::size_t b = 0; b < blocks.size(); ++b)
        runs.push_back(run_parties(*alice_end, *bob_end, alice_pool, bob_pool, party_records(blocks[b], Party::alice),
                                   party_records(blocks[b], Party::bob), link, options, seed, b));
    return runs;
}

PostprocessRun postprocess_in_process(const RawRecords& records, const Link& link, const PostprocessOptions& options,
                                      std::uint64_t seed, const core::BitVector& pre_shared_key) {
    return std::move(postprocess_blocks({&records, 1}, link, options, seed, pre_shared_key).front());
}

}  // namespace qkdlab::qkd
