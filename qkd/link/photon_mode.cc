// The photon-mode emulator (photon_mode.h): samples the per-pulse outcome model of
// pulse_outcomes.h, so that its records follow exactly the distribution whose expectation
// detection_model.h gives.
//
// Given the regime of a gate (each receiver live, at its afterpulse gate or dead), pulses are
// independent and identically distributed, so the number of pulses before the next event (a click)
// is geometric: with E = -log u ~ Exp(1), u uniform on (0, 1], floor(E / lambda) with
// lambda = -log(1 - p_event) is exact (P(skip >= n) = P(E >= n lambda) = (1 - p_event)^n). The event
// itself is drawn from P(outcome | event) with an alias table (one 64-bit word per draw), and the
// outcome says what follows: a dead window of d gates (skipped at once and counted), then the
// afterpulse gate. So a detection costs a handful of random numbers and pulses without one cost
// nothing. The intensities of the pulses without an event are drawn at the end, per regime, with
// sequential binomials from P(k | no event) (dead pulses: P(k)); that is exact since, given the
// regime, the intensities of quiet pulses are independent of everything else.

#include "qkdlab/qkd/photon_mode.h"

#include <algorithm>
#include <array>
#include <bit>
#include <boost/random/binomial_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "link/pulse_outcomes.h"
#include "qkdlab/core/error.h"

namespace qkdlab::qkd {
namespace {

using detail::ALICE_ONLY;
using detail::BOB_ONLY;
using detail::Gate;
using detail::NO_EVENT;
using detail::OUTCOME_CODES;
using detail::regime_index;
using detail::REGIMES;
using detail::TAG_CODES;

constexpr std::uint64_t PROGRESS_INTERVAL = std::uint64_t{1} << 24;
constexpr std::uint64_t NEVER = std::numeric_limits<std::uint64_t>::max();

// Walker's alias method (Vose's construction) over outcome codes. The table has a power of two of
// columns; one 64-bit word gives the column (its top bits) and the coin of the column (the other
// 64 - bits >= 53 bits, compared with an integer threshold).
class AliasTable {
  public:
    AliasTable() = default;
    explicit AliasTable(const std::vector<std::pair<std::uint16_t, double>>& items) {
        const std::size_t columns = std::bit_ceil(std::max<std::size_t>(items.size(), 2));
        shift_ = 64 - static_cast<unsigned>(std::countr_zero(columns));
        mask_ = (std::uint64_t{1} << shift_) - 1;
        const std::uint64_t always = std::uint64_t{1} << shift_;
        double total = 0;
        for (const auto& item : items) total += item.second;
        std::vector<double> q(columns, 0.0);
        columns_.assign(columns, Column{always, 0, 0});
        for (std::size_t i = 0; i < columns; ++i) {
            const std::uint16_t code = items.empty() ? 0 : items[std::min(i, items.size() - 1)].first;
            columns_[i].code = columns_[i].alias = code;
            if (i < items.size() && total > 0) q[i] = items[i].second / total * static_cast<double>(columns);
        }
        std::vector<std::size_t> small, large;
        for (std::size_t i = 0; i < columns; ++i) (q[i] < 1 ? small : large).push_back(i);
        while (!small.empty() && !large.empty()) {
            const std::size_t s = small.back(), l = large.back();
            small.pop_back();
            columns_[s].threshold =
                std::min(always, static_cast<std::uint64_t>(std::ldexp(std::max(q[s], 0.0), static_cast<int>(shift_))));
            columns_[s].alias = columns_[l].code;
            q[l] -= 1 - q[s];
            if (q[l] < 1) {
                large.pop_back();
                small.push_back(l);
            }
        }
        // What is left holds 1 up to rounding: always its own code.
    }

    std::uint16_t operator()(core::Rng& rng) const {
        const std::uint64_t r = rng();
        const Column& column = columns_[r >> shift_];
        return (r & mask_) < column.threshold ? column.code : column.alias;
    }

  private:
    struct Column {
        std::uint64_t threshold;
        std::uint16_t code;
        std::uint16_t alias;
    };
    std::vector<Column> columns_;
    unsigned shift_ = 63;
    std::uint64_t mask_ = 0;
};

// Everything needed to sample the pulses of one regime.
// A uniform double on (0, 1], 53 bits.
double uniform_open_closed(core::Rng& rng) { return static_cast<double>((rng() >> 11) + 1) * 0x1p-53; }

struct RegimeSampler {
    double event = 0;           // P(an event): some receiver clicks
    double skip_scale = 0;      // 1 / log(1 - event)
    AliasTable events;          // the event, given that there is one
    AliasTable any;             // the outcome of a single pulse, "no event" (NO_EVENT + k) included
    std::vector<double> quiet;  // P(k | no event)

    // The number of pulses before the next event (event > 0 only); compare with the room left before
    // converting it to an integer.
    double skip(core::Rng& rng) const { return std::log(uniform_open_closed(rng)) * skip_scale; }
};

// Independent draws of one kind, made BATCH at a time. Drawing them ahead in a tight loop changes
// nothing in distribution (each is used once, in order) but lets the processor overlap them: one at
// a time, the logarithm's latency would sit on the critical path of every detection.
constexpr unsigned BATCH = 256;

// Exp(1) variates, -log u.
class ExponentialStream {
  public:
    double next(core::Rng& rng) {
        if (i_ == BATCH) {
            for (double& x : v_) x = -std::log(uniform_open_closed(rng));
            i_ = 0;
        }
        return v_[i_++];
    }

  private:
    std::array<double, BATCH> v_{};
    unsigned i_ = BATCH;
};

class CodeStream {
  public:
    explicit CodeStream(const AliasTable& table) : table_(table) {}
    std::uint16_t next(core::Rng& rng) {
        if (i_ == BATCH) {
            for (std::uint16_t& x : v_) x = table_(rng);
            i_ = 0;
        }
        return v_[i_++];
    }

  private:
    const AliasTable& table_;
    std::array<std::uint16_t, BATCH> v_{};
    unsigned i_ = BATCH;
};

RegimeSampler make_sampler(const std::vector<double>& outcome, std::size_t intensities) {
    RegimeSampler s;
    std::vector<std::pair<std::uint16_t, double>> events, any;
    double quiet_total = 0;
    for (std::size_t code = 0; code < OUTCOME_CODES; ++code) {
        const double p = outcome[code];
        if (!(p > 0)) continue;
        any.emplace_back(static_cast<std::uint16_t>(code), p);
        if (code < NO_EVENT) {
            events.emplace_back(static_cast<std::uint16_t>(code), p);
            s.event += p;
        } else {
            quiet_total += p;
        }
    }
    s.event = std::min(s.event, 1.0);
    s.skip_scale = 1 / std::log1p(-s.event);  // -0 for an event at every pulse
    s.events = AliasTable(events);
    s.any = AliasTable(any);
    s.quiet.assign(intensities, 0.0);
    for (std::size_t k = 0; k < intensities; ++k) {
        s.quiet[k] = quiet_total > 0 ? outcome[NO_EVENT + k] / quiet_total : 0;
    }
    return s;
}

// Adds to counts a multinomial draw of n over the probabilities p (summing to 1): sequential
// binomials, n_k ~ Bin(n - n_0 - ... - n_{k-1}, p_k / (p_k + ... + p_last)).
void scatter(std::uint64_t n, const std::vector<double>& p, std::vector<std::uint64_t>& counts, core::Rng& rng) {
    std::size_t last = 0;
    double rest = 0;
    for (std::size_t k = 0; k < p.size(); ++k) {
        if (p[k] > 0) last = k;
        rest += std::max(p[k], 0.0);
    }
    for (std::size_t k = 0; k < last && n > 0; ++k) {
        const double q = rest > 0 ? std::clamp(p[k] / rest, 0.0, 1.0) : 0.0;
        rest -= std::max(p[k], 0.0);
        std::uint64_t x = 0;
        if (q >= 1) {
            x = n;
        } else if (q > 0) {
            x = static_cast<std::uint64_t>(
                boost::random::binomial_distribution<long long, double>(static_cast<long long>(n), q)(rng));
        }
        counts[k] += x;
        n -= x;
    }
    counts[last] += n;
}

class ProgressReport {
  public:
    ProgressReport(const Progress& progress, std::uint64_t total) : progress_(progress), total_(total) {}
    void at(std::uint64_t done) {
        if (done < next_) return;
        if (progress_) progress_(done, total_);
        next_ = done >= total_ ? NEVER : (done / PROGRESS_INTERVAL + 1) * PROGRESS_INTERVAL;
    }
    // The last report, with everything done (once).
    void finish() {
        if (next_ == NEVER) return;
        if (progress_) progress_(total_, total_);
        next_ = NEVER;
    }

  private:
    const Progress& progress_;
    std::uint64_t total_;
    std::uint64_t next_ = PROGRESS_INTERVAL;
};

std::array<DetectionTag, TAG_CODES> tag_table() {
    std::array<DetectionTag, TAG_CODES> tags{};
    for (unsigned code = 0; code < TAG_CODES; ++code) {
        tags[code] = DetectionTag(code & 3u, code >> 2 & 3u, code >> 4 & 3u, code >> 6 & 1u, code >> 7 & 1u,
                                  code >> 8 & 1u, code >> 9 & 1u);
    }
    return tags;
}

void reserve(RawRecords& records, const detail::PulseModel& model, std::uint64_t pulses) {
    double per_pulse = 0;
    try {
        const detail::GateOccupancy occupancy = detail::gate_occupancy(model);
        for (std::size_t r = 0; r < REGIMES; ++r) {
            if (model.outcome[r].empty()) continue;
            for (std::size_t code = 0; code < TAG_CODES; ++code)
                per_pulse += occupancy.share[r] * model.outcome[r][code];
        }
    } catch (const Error&) {  // dead time too long for the exact joint chain: the live rate bounds it
        for (std::size_t code = 0; code < TAG_CODES; ++code) {
            per_pulse += model.outcome[regime_index(Gate::live, Gate::live)][code];
        }
    }
    const double expected = per_pulse * static_cast<double>(pulses);
    const double wanted = std::min(static_cast<double>(pulses), expected + 6 * std::sqrt(expected) + 1024);
    const auto n = static_cast<std::size_t>(wanted);
    records.pulse_index.reserve(n);
    records.tags.reserve(n);
}

// Prepare and measure: only Bob's receiver, always the regimes (live, *). One exponential variate
// E serves a whole cycle: at an afterpulse gate the pulse has an event if E < a = -log(1 - p_P)
// (probability p_P); if not, E - a is again Exp(1) (memorylessness) and the live gates that follow
// have no event for floor((E - a) / lambda) pulses, lambda = -log(1 - p) (P(skip >= n) = (1 - p)^n).
void run_prepare_measure(const detail::PulseModel& model, std::uint64_t pulses, core::Rng& rng, ProgressReport& report,
                         RawRecords& records) {
    const std::size_t intensities = model.intensity_probability.size();
    const RegimeSampler live = make_sampler(model.outcome[regime_index(Gate::live, Gate::live)], intensities);
    const RegimeSampler afterpulse =
        make_sampler(model.outcome[regime_index(Gate::live, Gate::afterpulse)], intensities);
    const std::array<DetectionTag, TAG_CODES> tags = tag_table();
    const std::uint64_t d = model.dead_gates;
    const bool afterpulses = model.afterpulses;
    const double per_lambda = -live.skip_scale;                         // 1 / lambda, +inf if p = 0
    const double a = afterpulses ? -std::log1p(-afterpulse.event) : 0;  // +inf if p_P = 1

    ExponentialStream exponential;
    CodeStream live_events(live.events), afterpulse_events(afterpulse.events);
    std::vector<std::uint64_t> clicks(intensities, 0);
    std::uint64_t quiet = 0, afterpulse_quiet = 0, dead = 0, pos = 0;
    bool at_afterpulse_gate = false;
    while (pos < pulses) {
        double e = exponential.next(rng);
        std::uint16_t code;
        if (at_afterpulse_gate && e < a) {
            code = afterpulse_events.next(rng);
        } else {
            if (at_afterpulse_gate) {
                ++afterpulse_quiet;
                if (++pos == pulses) break;
                e -= a;
            }
            const std::uint64_t room = pulses - pos;
            const double skip = live.event > 0 ? e * per_lambda : std::numeric_limits<double>::infinity();
            if (!(skip < static_cast<double>(room))) {
                quiet += room;
                pos = pulses;
                break;
            }
            const auto gap = static_cast<std::uint64_t>(skip);
            quiet += gap;
            pos += gap;
            code = live_events.next(rng);
        }
        // A click at pos, then its dead window and its afterpulse gate.
        records.add(pos, tags[code]);
        ++clicks[code & 3u];
        const std::uint64_t after = pulses - pos - 1;
        if (d >= after) {
            dead += after;
            pos = pulses;
            break;
        }
        dead += d;
        pos += d + 1;
        at_afterpulse_gate = afterpulses;
        report.at(pos);
    }
    records.bob_clicks = records.detections();
    records.dead_pulses = dead;
    for (std::size_t k = 0; k < intensities; ++k) records.pulses_per_intensity[k] = clicks[k];
    scatter(quiet, live.quiet, records.pulses_per_intensity, rng);
    scatter(afterpulse_quiet, afterpulse.quiet, records.pulses_per_intensity, rng);
    scatter(dead, model.intensity_probability, records.pulses_per_intensity, rng);
}

// Entangled source: two receivers, each live, at its afterpulse gate or dead.
void run_entangled(const detail::PulseModel& model, std::uint64_t pulses, core::Rng& rng, ProgressReport& report,
                   RawRecords& records) {
    std::array<RegimeSampler, REGIMES> samplers;
    for (std::size_t r = 0; r < REGIMES; ++r) samplers[r] = make_sampler(model.outcome[r], 1);
    const std::array<DetectionTag, TAG_CODES> tags = tag_table();
    const std::uint64_t d = model.dead_gates;
    const bool afterpulses = model.afterpulses;

    struct Receiver {
        std::uint64_t dead_until = 0;  // blanked at the gates before this one
        std::uint64_t afterpulse_at = NEVER;
        Gate at(std::uint64_t pos) const {
            return pos < dead_until ? Gate::dead : pos == afterpulse_at ? Gate::afterpulse : Gate::live;
        }
        void click(std::uint64_t pos, std::uint64_t d, bool afterpulses) {
            dead_until = pos + 1 + d;
            afterpulse_at = afterpulses ? pos + 1 + d : NEVER;
        }
    };
    Receiver alice, bob;
    std::uint64_t pos = 0, dead = 0;
    const auto handle = [&](std::uint16_t code, bool blanked) {
        if (blanked) ++dead;
        if (code < TAG_CODES) {
            records.add(pos, tags[code]);
            ++records.alice_clicks;
            ++records.bob_clicks;
            alice.click(pos, d, afterpulses);
            bob.click(pos, d, afterpulses);
        } else if (code == ALICE_ONLY) {
            ++records.alice_clicks;
            alice.click(pos, d, afterpulses);
        } else if (code == BOB_ONLY) {
            ++records.bob_clicks;
            bob.click(pos, d, afterpulses);
        }
        ++pos;
    };
    while (pos < pulses) {
        const Gate a = alice.at(pos), b = bob.at(pos);
        const RegimeSampler& sampler = samplers[regime_index(a, b)];
        const bool blanked = a == Gate::dead || b == Gate::dead;
        if (a == Gate::afterpulse || b == Gate::afterpulse) {
            handle(sampler.any(rng), blanked);
        } else {
            std::uint64_t horizon = pulses - pos;
            if (a == Gate::dead) horizon = std::min(horizon, alice.dead_until - pos);
            if (b == Gate::dead) horizon = std::min(horizon, bob.dead_until - pos);
            const double skip = sampler.event > 0 ? sampler.skip(rng) : std::numeric_limits<double>::infinity();
            if (skip < static_cast<double>(horizon)) {
                const auto gap = static_cast<std::uint64_t>(skip);
                if (blanked) dead += gap;
                pos += gap;
                handle(sampler.events(rng), blanked);
            } else {
                if (blanked) dead += horizon;
                pos += horizon;
            }
        }
        report.at(pos);
    }
    records.dead_pulses = dead;
    records.pulses_per_intensity[0] = pulses;
}

}  // namespace

RawRecords emulate_photons(const Link& link, std::uint64_t pulses, core::Rng& rng, const Progress& progress) {
    const detail::PulseModel model = detail::pulse_model(link);
    RawRecords records;
    records.protocol = link.protocol;
    records.pulses = pulses;
    records.pulses_per_intensity.assign(model.entangled ? 1 : model.intensity_probability.size(), 0);
    if (pulses == 0) return records;
    reserve(records, model, pulses);
    ProgressReport report(progress, pulses);
    if (model.entangled) {
        run_entangled(model, pulses, rng, report, records);
    } else {
        run_prepare_measure(model, pulses, rng, report, records);
    }
    report.finish();
    return records;
}

}  // namespace qkdlab::qkd
