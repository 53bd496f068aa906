#pragma once
// A QKD link as one value: the source, the channel, the receivers' detectors, an optional
// eavesdropper, the clock and the protocol run over it. Read from JSON (schema qkdlab.link/1,
// docs/link.md) or taken from a built-in preset; every field is checked and a bad one is reported
// with its JSON path (ConfigError). The emulators (photon_mode.h, qubit_mode.h), the exact
// expectation (detection_model.h) and the closed-form rates (analytic_rate.h) all take a Link.

#include <cstddef>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "qkdlab/qkd/link_parameters.h"

namespace qkdlab::qkd {

// bb84: prepare-and-measure with a single-photon source, or weak coherent pulses at the first
// (signal) intensity analysed by GLLP without decoys (any further intensities are sent but unused);
// decoy_bb84: weak coherent pulses with decoy intensities (vacuum + weak, or two weak decoys);
// bbm92: entangled pairs measured in Z or X on both sides (Ma, Fung and Lo 2007);
// e91: entangled pairs, three settings per side, key from the matching settings and the CHSH
// value S from the others (Acin et al. 2007 for the rate).
enum class Protocol { bb84, decoy_bb84, bbm92, e91 };

enum class SourceKind { weak_coherent, single_photon, entangled_pairs };

// One intensity of a phase-randomised weak coherent source.
struct Intensity {
    std::string name;               // "signal", "decoy", "vacuum", ...: the signal is always first
    double mean_photon_number = 0;  // mu >= 0
    double probability = 0;         // the chance that a pulse is sent with this intensity; they sum to 1
};

constexpr std::size_t MAX_INTENSITIES = 4;  // raw_records.h packs the intensity index in two bits

struct Source {
    SourceKind kind = SourceKind::weak_coherent;
    // weak_coherent: 1 to MAX_INTENSITIES intensities, the signal first. single_photon and
    // entangled_pairs: empty.
    std::vector<Intensity> intensities;
    // entangled_pairs: the mean number of pairs per pulse, 2 lambda in Ma, Fung and Lo (2007): a
    // type-II SPDC source is two independent thermal modes of mean lambda each.
    double mean_pair_number = 0;
    // entangled_pairs: where the source sits, as its fibre distance from Alice (0 <= position_km
    // <= channel length_km); Alice's arm is position_km long, Bob's the rest.
    double position_km = 0;
};

enum class ChannelKind { fibre, free_space };

struct Channel {
    ChannelKind kind = ChannelKind::fibre;
    double length_km = 0;         // fibre: the fibre length; free_space: the distance (reported only)
    double loss_db_per_km = 0.2;  // fibre only
    double extra_loss_db = 0;     // fibre: connectors and splices; free_space: the whole fixed loss
    double misalignment = 0;      // e_d: the chance that a detected photon hits the wrong detector
};

enum class BasisChoice { active, passive };

// The same model serves Bob and, with an entangled source, Alice.
struct Detectors {
    double efficiency = 0.1;               // eta_det, with the receiver's internal loss
    double dark_count_probability = 1e-6;  // per detector and gate
    // The chance that a click is followed by a spurious click (a random outcome) at the first gate
    // after the dead time.
    double afterpulse_probability = 0;
    // After a click, every detector of the receiver is blanked for this long (ceil(dead_time_ns *
    // clock_hz / 1e9) gates): the common dead time that closes the dead-time attack.
    double dead_time_ns = 0;
    // active: a random basis per pulse, two detectors; passive: a beam splitter of ratio
    // z_basis_probability in front of two pairs of detectors (four detectors).
    BasisChoice basis_choice = BasisChoice::active;
};

enum class AttackKind { none, intercept_resend, photon_number_splitting, beam_splitting };

// Eve sits at Alice's output (prepare-and-measure links only).
// intercept_resend: on a random `fraction` of the pulses she measures in a random basis and sends
// Bob one photon in her basis with her result. photon_number_splitting: she counts photons, keeps
// one of every multi-photon pulse, blocks single photons as far as needed to keep the signal
// intensity's gain at its expected value, and sends the rest to Bob over a lossless fibre.
// beam_splitting: she replaces the fibre by a lossless one and a beam splitter of the fibre's
// transmittance, keeping what it reflects (Bob sees no change).
struct Eavesdropper {
    AttackKind kind = AttackKind::none;
    double fraction = 1;  // intercept_resend: the share of pulses attacked, in [0, 1]
};

struct Link {
    std::string name = "custom";  // the preset's name, or what the file calls the link
    Protocol protocol = Protocol::decoy_bb84;
    Source source;
    Channel channel;
    Detectors detectors;
    Eavesdropper eve;
    double clock_hz = 1e9;                      // pulses per second
    double z_basis_probability = 0.5;           // each party's chance of Z (BB84 biased basis choice)
    double error_correction_efficiency = 1.16;  // f >= 1 in the key rates
};

// Reads a link from JSON text. `source` names the file in error messages. A document may start from
// a preset ("preset": "metro-25km") and give only the fields it changes.
Link parse_link(std::string_view json_text, const std::string& source = "");
Link read_link_file(const std::filesystem::path& path);
// The full effective configuration, in the schema parse_link reads (round trip exact).
nlohmann::json to_json(const Link& link);
// Throws ConfigError with the JSON path of the first field out of range or inconsistent (the
// protocol against the source, probabilities that do not sum to 1, ...).
void check(const Link& link);

// The built-in links: metro-25km, long-haul-100km, gys-2004, entangled-50km.
std::vector<std::string> link_preset_names();
// Throws Error listing the names if there is no such preset.
Link link_preset(std::string_view name);

// Names as written in JSON and on the command line ("decoy-bb84", "weak-coherent", "fibre",
// "intercept-resend", ...), and back; parsing throws Error listing the allowed names.
std::string to_string(Protocol protocol);
std::string to_string(SourceKind kind);
std::string to_string(ChannelKind kind);
std::string to_string(BasisChoice choice);
std::string to_string(AttackKind kind);
Protocol parse_protocol(std::string_view name);
AttackKind parse_attack(std::string_view name);

// The total loss of the channel in dB (fibre: loss_db_per_km * length_km + extra_loss_db).
double channel_loss_db(const Channel& channel);
// The loss of each arm in dB. Prepare and measure: {0, channel_loss_db}. Entangled source: Alice's
// arm runs up to the source (fibre: loss_db_per_km * position_km; free space: the fixed loss in
// proportion to the distance), Bob's arm is the rest, extra loss included.
struct ArmLoss {
    double alice_db = 0;
    double bob_db = 0;
};
ArmLoss arm_loss(const Link& link);
// The dark-count probability of one receiver per gate: 1 - (1 - p_dark)^k, with k = 2 detectors
// for active basis choice and 4 for passive (Y0 in the analytic formulas).
double receiver_dark_count_probability(const Detectors& detectors);
// The share of detections whose bases match: q = pz^2 + (1 - pz)^2 with pz = z_basis_probability.
double sifting_factor(const Link& link);
// The closed-form parameters of a prepare-and-measure link (key_rate.h): transmittance split as
// detector_efficiency and loss, Y0 from receiver_dark_count_probability, q = sifting_factor.
LinkParameters analytic_parameters(const Link& link);

}  // namespace qkdlab::qkd
