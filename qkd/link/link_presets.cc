// The built-in links (docs/link.md has them in a table with their sources).

#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/qkd/link.h"

namespace qkdlab::qkd {
namespace {

// A decoy-BB84 link over fibre with two active-basis detectors; the caller fills in the rest.
Link decoy_fibre_link(std::string name, std::vector<Intensity> intensities) {
    Link link;
    link.name = std::move(name);
    link.protocol = Protocol::decoy_bb84;
    link.source.kind = SourceKind::weak_coherent;
    link.source.intensities = std::move(intensities);
    link.channel.kind = ChannelKind::fibre;
    link.detectors.basis_choice = BasisChoice::active;
    link.z_basis_probability = 0.5;
    link.eve = {};
    return link;
}

// The GYS experiment (C. Gobby, Z. L. Yuan and A. J. Shields, Appl. Phys. Lett. 84, 3762 (2004)),
// 122 km at 2 MHz, with the parameters of X. Ma, B. Qi, Y. Zhao and H.-K. Lo, Phys. Rev. A 72,
// 012326 (2005) ("MQZL"), table I: alpha = 0.21 dB/km, eta_Bob = 4.5%, Y0 = 1.7e-6 per gate for the
// receiver, e_detector = 3.3%, f = 1.22. Y0 is shared by the two detectors of the active receiver:
// 8.5e-7 each (1 - (1 - 8.5e-7)^2 = 1.7e-6 to within 7e-13). The intensities are the signal
// mu = 0.48 (as in the GYS checks of docs/key_rates.md) with a vacuum and a weak decoy nu = 0.05, the
// vacuum + weak decoy method of MQZL (eqs. 34, 35).
Link gys_2004() {
    Link link = decoy_fibre_link("gys-2004", {{"signal", 0.48, 0.8}, {"decoy", 0.05, 0.1}, {"vacuum", 0, 0.1}});
    link.clock_hz = 2e6;
    link.channel.length_km = 122;
    link.channel.loss_db_per_km = 0.21;
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0.033;
    link.detectors.efficiency = 0.045;
    link.detectors.dark_count_probability = 8.5e-7;
    link.detectors.afterpulse_probability = 0;
    link.detectors.dead_time_ns = 0;
    link.error_correction_efficiency = 1.22;
    return link;
}

// A metropolitan link: representative values (not one experiment) of a GHz-clocked decoy-state
// BB84 system with gated InGaAs avalanche photodiodes, of the class of Z. L. Yuan et al., J.
// Lightwave Technol. 36, 3427 (2018): standard fibre at 0.2 dB/km plus 1 dB of connectors, 20%
// detection efficiency, 1e-6 dark counts per gate, 0.5% afterpulsing after a 10 ns dead time.
Link metro_25km() {
    Link link = decoy_fibre_link("metro-25km", {{"signal", 0.5, 0.8}, {"decoy", 0.1, 0.15}, {"vacuum", 0, 0.05}});
    link.clock_hz = 1e9;
    link.channel.length_km = 25;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 1;
    link.channel.misalignment = 0.01;
    link.detectors.efficiency = 0.2;
    link.detectors.dark_count_probability = 1e-6;
    link.detectors.afterpulse_probability = 0.005;
    link.detectors.dead_time_ns = 10;
    link.error_correction_efficiency = 1.16;
    return link;
}

// A long-haul link: representative values of ultra-low-loss fibre (0.16 dB/km) and superconducting
// nanowire detectors (60% efficiency, 1e-8 dark counts per gate, no afterpulsing, 50 ns dead
// time), the class of A. Boaron et al., Phys. Rev. Lett. 121, 190502 (2018).
Link long_haul_100km() {
    Link link =
        decoy_fibre_link("long-haul-100km", {{"signal", 0.45, 0.8}, {"decoy", 0.08, 0.15}, {"vacuum", 0, 0.05}});
    link.clock_hz = 1e9;
    link.channel.length_km = 100;
    link.channel.loss_db_per_km = 0.16;
    link.channel.extra_loss_db = 2;
    link.channel.misalignment = 0.015;
    link.detectors.efficiency = 0.6;
    link.detectors.dark_count_probability = 1e-8;
    link.detectors.afterpulse_probability = 0;
    link.detectors.dead_time_ns = 50;
    link.error_correction_efficiency = 1.16;
    return link;
}

// An entangled-pair link: an SPDC source in the middle of 50 km of standard fibre, BBM92 (the
// source model and the rate of X. Ma, C.-H. F. Fung and H.-K. Lo, Phys. Rev. A 76, 012307 (2007));
// mean pair number 0.04 per pulse keeps the multi-pair errors small; InGaAs detectors as above
// without afterpulsing or dead time; 100 MHz pump.
Link entangled_50km() {
    Link link;
    link.name = "entangled-50km";
    link.protocol = Protocol::bbm92;
    link.source.kind = SourceKind::entangled_pairs;
    link.source.mean_pair_number = 0.04;
    link.source.position_km = 25;
    link.clock_hz = 1e8;
    link.channel.kind = ChannelKind::fibre;
    link.channel.length_km = 50;
    link.channel.loss_db_per_km = 0.2;
    link.channel.extra_loss_db = 0;
    link.channel.misalignment = 0.015;
    link.detectors.efficiency = 0.2;
    link.detectors.dark_count_probability = 1e-6;
    link.detectors.afterpulse_probability = 0;
    link.detectors.dead_time_ns = 0;
    link.detectors.basis_choice = BasisChoice::active;
    link.z_basis_probability = 0.5;
    link.error_correction_efficiency = 1.16;
    return link;
}

struct Preset {
    const char* name;
    Link (*make)();
};

constexpr Preset PRESETS[] = {{"metro-25km", metro_25km},
                              {"long-haul-100km", long_haul_100km},
                              {"gys-2004", gys_2004},
                              {"entangled-50km", entangled_50km}};

}  // namespace

std::vector<std::string> link_preset_names() {
    std::vector<std::string> names;
    for (const Preset& preset : PRESETS) names.emplace_back(preset.name);
    return names;
}

Link link_preset(std::string_view name) {
    std::string list;
    for (const Preset& preset : PRESETS) {
        if (preset.name == name) return preset.make();
        list += (list.empty() ? "" : ", ") + std::string(preset.name);
    }
    throw Error("unknown link preset '" + std::string(name) + "'; expected one of: " + list);
}

}  // namespace qkdlab::qkd
