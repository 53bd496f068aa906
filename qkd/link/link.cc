#include "qkdlab/qkd/link.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "qkdlab/core/error.h"
#include "qkdlab/core/json_fields.h"
#include "qkdlab/core/text_file.h"

namespace qkdlab::qkd {
namespace {

using core::Bound;
using core::check_range;
using core::child_path;
using core::field;
using core::Json;
using core::object_at;
using core::only_keys;
using core::optional_field;

constexpr const char* SCHEMA = "qkdlab.link/1";
constexpr double PROBABILITY_SUM_TOLERANCE = 1e-9;

// The names of an enumeration as written in JSON, in the order they are listed in messages.
template <class E>
struct Named {
    E value;
    const char* name;
};

constexpr Named<Protocol> PROTOCOLS[] = {
    {Protocol::bb84, "bb84"}, {Protocol::decoy_bb84, "decoy-bb84"}, {Protocol::bbm92, "bbm92"}, {Protocol::e91, "e91"}};
constexpr Named<SourceKind> SOURCE_KINDS[] = {{SourceKind::weak_coherent, "weak-coherent"},
                                              {SourceKind::single_photon, "single-photon"},
                                              {SourceKind::entangled_pairs, "entangled-pairs"}};
constexpr Named<ChannelKind> CHANNEL_KINDS[] = {{ChannelKind::fibre, "fibre"}, {ChannelKind::free_space, "free-space"}};
constexpr Named<BasisChoice> BASIS_CHOICES[] = {{BasisChoice::active, "active"}, {BasisChoice::passive, "passive"}};
constexpr Named<AttackKind> ATTACKS[] = {{AttackKind::none, "none"},
                                         {AttackKind::intercept_resend, "intercept-resend"},
                                         {AttackKind::photon_number_splitting, "pns"},
                                         {AttackKind::beam_splitting, "beam-splitting"}};

template <class E, std::size_t N>
std::string name_of(const Named<E> (&table)[N], E value) {
    for (const auto& entry : table) {
        if (entry.value == value) return entry.name;
    }
    throw Error("invalid enumeration value " + std::to_string(static_cast<int>(value)));
}

template <class E, std::size_t N>
E value_of(const Named<E> (&table)[N], std::string_view name, const char* what) {
    std::string list;
    for (const auto& entry : table) {
        if (entry.name == name) return entry.value;
        list += (list.empty() ? "" : ", ") + std::string(entry.name);
    }
    throw Error("unknown " + std::string(what) + " '" + std::string(name) + "'; expected one of: " + list);
}

// An enumeration read from the string at object[key].
template <class E, std::size_t N>
E enum_field(const Json& object, std::string_view key, const std::string& path, const Named<E> (&table)[N],
             const char* what) {
    const std::string value_path = child_path(path, key);
    const std::string name = core::string_value(field(object, key, path), value_path);
    try {
        return value_of(table, name, what);
    } catch (const Error& e) {
        throw ConfigError(value_path, e.what());
    }
}

// Any number: the ranges are check()'s, so that parse and check report them alike.
double real(const Json& value, const std::string& path) {
    return core::number(value, path, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity());
}

double real_field(const Json& object, std::string_view key, const std::string& path) {
    return real(field(object, key, path), child_path(path, key));
}

// object[key] if present, else fallback.
double optional_real(const Json& object, std::string_view key, const std::string& path, double fallback) {
    const Json* value = optional_field(object, key);
    return value == nullptr ? fallback : real(*value, child_path(path, key));
}

// A field of another kind of the same object (mean_pair_number on a weak-coherent source, ...) is
// refused with what it belongs to, before only_keys would call it unknown.
void refuse_fields(const Json& object, std::initializer_list<std::string_view> keys, const std::string& path,
                   const std::string& message) {
    for (const std::string_view key : keys) {
        if (optional_field(object, key) != nullptr) throw ConfigError(child_path(path, key), message);
    }
}

std::vector<Intensity> read_intensities(const Json& value, const std::string& path) {
    core::array_at(value, path);
    std::vector<Intensity> intensities;
    for (std::size_t k = 0; k < value.size(); ++k) {
        const std::string item = child_path(path, k);
        object_at(value[k], item);
        only_keys(value[k], {"name", "mean_photon_number", "probability"}, item);
        intensities.push_back({core::string_field(value[k], "name", item),
                               real_field(value[k], "mean_photon_number", item),
                               real_field(value[k], "probability", item)});
    }
    return intensities;
}

Source read_source(const Json& value, const std::string& path) {
    object_at(value, path);
    Source source;
    source.kind = enum_field(value, "kind", path, SOURCE_KINDS, "source kind");
    switch (source.kind) {
        case SourceKind::weak_coherent:
            refuse_fields(value, {"mean_pair_number", "position_km"}, path, "for an entangled-pairs source only");
            only_keys(value, {"kind", "intensities"}, path);
            source.intensities = read_intensities(field(value, "intensities", path), child_path(path, "intensities"));
            break;
        case SourceKind::single_photon:
            refuse_fields(value, {"intensities"}, path, "for a weak-coherent source only");
            refuse_fields(value, {"mean_pair_number", "position_km"}, path, "for an entangled-pairs source only");
            only_keys(value, {"kind"}, path);
            break;
        case SourceKind::entangled_pairs:
            refuse_fields(value, {"intensities"}, path, "for a weak-coherent source only");
            only_keys(value, {"kind", "mean_pair_number", "position_km"}, path);
            source.mean_pair_number = real_field(value, "mean_pair_number", path);
            source.position_km = real_field(value, "position_km", path);
            break;
    }
    return source;
}

Channel read_channel(const Json& value, const std::string& path) {
    object_at(value, path);
    Channel channel;
    if (optional_field(value, "kind") != nullptr) {
        channel.kind = enum_field(value, "kind", path, CHANNEL_KINDS, "channel kind");
    }
    if (channel.kind == ChannelKind::fibre) {
        refuse_fields(value, {"loss_db"}, path,
                      "for a free-space channel only; a fibre takes loss_db_per_km and extra_loss_db");
        only_keys(value, {"kind", "length_km", "loss_db_per_km", "extra_loss_db", "misalignment"}, path);
        channel.length_km = real_field(value, "length_km", path);
        channel.loss_db_per_km = optional_real(value, "loss_db_per_km", path, channel.loss_db_per_km);
        channel.extra_loss_db = optional_real(value, "extra_loss_db", path, channel.extra_loss_db);
    } else {
        refuse_fields(value, {"loss_db_per_km", "extra_loss_db"}, path,
                      "for a fibre channel only; a free-space channel takes its whole loss as loss_db");
        only_keys(value, {"kind", "length_km", "loss_db", "misalignment"}, path);
        channel.length_km = real_field(value, "length_km", path);
        channel.loss_db_per_km = 0;  // the whole loss of a free-space link is fixed: loss_db
        channel.extra_loss_db = real_field(value, "loss_db", path);
    }
    channel.misalignment = optional_real(value, "misalignment", path, channel.misalignment);
    return channel;
}

Detectors read_detectors(const Json& value, const std::string& path) {
    object_at(value, path);
    only_keys(value, {"efficiency", "dark_count_probability", "afterpulse_probability", "dead_time_ns", "basis_choice"},
              path);
    Detectors detectors;
    detectors.efficiency = optional_real(value, "efficiency", path, detectors.efficiency);
    detectors.dark_count_probability =
        optional_real(value, "dark_count_probability", path, detectors.dark_count_probability);
    detectors.afterpulse_probability =
        optional_real(value, "afterpulse_probability", path, detectors.afterpulse_probability);
    detectors.dead_time_ns = optional_real(value, "dead_time_ns", path, detectors.dead_time_ns);
    if (optional_field(value, "basis_choice") != nullptr) {
        detectors.basis_choice = enum_field(value, "basis_choice", path, BASIS_CHOICES, "basis choice");
    }
    return detectors;
}

Eavesdropper read_eve(const Json& value, const std::string& path) {
    object_at(value, path);
    Eavesdropper eve;
    eve.kind = enum_field(value, "kind", path, ATTACKS, "attack");
    if (eve.kind == AttackKind::intercept_resend) {
        only_keys(value, {"kind", "fraction"}, path);
        eve.fraction = optional_real(value, "fraction", path, eve.fraction);
    } else {
        refuse_fields(value, {"fraction"}, path, "for an intercept-resend attack only");
        only_keys(value, {"kind"}, path);
    }
    return eve;
}

// A full document: no preset, every required field present.
Link read_document(const Json& root) {
    only_keys(root,
              {"schema", "preset", "name", "protocol", "clock_hz", "source", "channel", "detectors", "basis",
               "post_processing", "eve"},
              "");
    const Json& schema = field(root, "schema", "");
    if (!schema.is_string() || schema.get<std::string>() != SCHEMA) {
        throw ConfigError("/schema", std::string("expected \"") + SCHEMA + "\", got " + schema.dump());
    }
    Link link;
    if (const Json* name = optional_field(root, "name")) link.name = core::string_value(*name, "/name");
    link.protocol = enum_field(root, "protocol", "", PROTOCOLS, "protocol");
    link.clock_hz = optional_real(root, "clock_hz", "", link.clock_hz);
    link.source = read_source(field(root, "source", ""), "/source");
    link.channel = read_channel(field(root, "channel", ""), "/channel");
    if (const Json* detectors = optional_field(root, "detectors")) {
        link.detectors = read_detectors(*detectors, "/detectors");
    }
    if (const Json* basis = optional_field(root, "basis")) {
        object_at(*basis, "/basis");
        only_keys(*basis, {"z_probability"}, "/basis");
        link.z_basis_probability = optional_real(*basis, "z_probability", "/basis", link.z_basis_probability);
    }
    if (const Json* post = optional_field(root, "post_processing")) {
        object_at(*post, "/post_processing");
        only_keys(*post, {"error_correction_efficiency"}, "/post_processing");
        link.error_correction_efficiency =
            optional_real(*post, "error_correction_efficiency", "/post_processing", link.error_correction_efficiency);
    }
    if (const Json* eve = optional_field(root, "eve")) link.eve = read_eve(*eve, "/eve");
    return link;
}

// Whether patch, an object, describes the same kind of thing as base (no "kind", or the same one):
// then it is merged into base field by field; otherwise it replaces base.
bool same_kind(const Json& base, const Json& patch) {
    const Json* kind = optional_field(patch, "kind");
    const Json* base_kind = optional_field(base, "kind");
    return kind == nullptr || (base_kind != nullptr && *base_kind == *kind);
}

void merge_into(Json& base, const Json& patch) {
    for (const auto& [key, value] : patch.items()) {
        const auto it = base.find(key);
        if (it != base.end() && it->is_object() && value.is_object() && same_kind(*it, value)) {
            merge_into(*it, value);
        } else {
            base[key] = value;
        }
    }
}

Link read_link(const Json& root) {
    object_at(root, "");
    const Json* preset = optional_field(root, "preset");
    if (preset == nullptr) return read_document(root);
    const std::string name = core::string_value(*preset, "/preset");
    Json merged;
    try {
        merged = to_json(link_preset(name));
    } catch (const Error& e) {
        throw ConfigError("/preset", e.what());
    }
    merge_into(merged, root);
    merged.erase("preset");
    return read_document(merged);
}

void check_source(const Link& link) {
    const Source& source = link.source;
    const std::string kind = to_string(source.kind);
    if (source.kind != SourceKind::weak_coherent && !source.intensities.empty()) {
        throw ConfigError("/source/intensities", "intensities are for a weak-coherent source only, not " + kind);
    }
    if (source.kind != SourceKind::entangled_pairs) {
        if (source.mean_pair_number != 0) {
            throw ConfigError("/source/mean_pair_number", "for an entangled-pairs source only, not " + kind);
        }
        if (source.position_km != 0) {
            throw ConfigError("/source/position_km", "for an entangled-pairs source only, not " + kind);
        }
    }
    if (source.kind == SourceKind::weak_coherent) {
        const std::vector<Intensity>& intensities = source.intensities;
        if (intensities.empty() || intensities.size() > MAX_INTENSITIES) {
            throw ConfigError("/source/intensities", "expected 1 to " + std::to_string(MAX_INTENSITIES) +
                                                         " intensities, got " + std::to_string(intensities.size()));
        }
        std::set<std::string> names;
        double sum = 0;
        for (std::size_t k = 0; k < intensities.size(); ++k) {
            const std::string path = "/source/intensities/" + std::to_string(k);
            if (intensities[k].name.empty()) throw ConfigError(path + "/name", "must not be empty");
            if (!names.insert(intensities[k].name).second) {
                throw ConfigError(path + "/name", "the name '" + intensities[k].name + "' is used twice");
            }
            check_range(intensities[k].mean_photon_number, path + "/mean_photon_number", 0, 10);
            check_range(intensities[k].probability, path + "/probability", 0, 1, Bound::open);
            sum += intensities[k].probability;
        }
        if (!(std::abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE)) {
            char text[32];
            std::snprintf(text, sizeof text, "%.15g", sum);
            throw ConfigError("/source/intensities", std::string("the probabilities must add up to 1, got ") + text);
        }
        const double signal = intensities[0].mean_photon_number;
        if (!(signal > 0)) {
            throw ConfigError("/source/intensities/0/mean_photon_number",
                              "the signal (the first intensity) must have a mean photon number above 0");
        }
        for (std::size_t k = 1; k < intensities.size(); ++k) {
            if (!(intensities[k].mean_photon_number < signal)) {
                std::ostringstream message;
                message << "must be below the signal's " << signal << " (the signal comes first and is the largest)";
                throw ConfigError("/source/intensities/" + std::to_string(k) + "/mean_photon_number", message.str());
            }
        }
    }
    if (source.kind == SourceKind::entangled_pairs) {
        check_range(source.mean_pair_number, "/source/mean_pair_number", 0, 10, Bound::open);
        if (!(source.position_km >= 0 && source.position_km <= link.channel.length_km)) {
            std::ostringstream message;
            message << "must be between 0 and the channel's length_km " << link.channel.length_km << ", got "
                    << source.position_km;
            throw ConfigError("/source/position_km", message.str());
        }
    }
}

// The protocol against the source (the source's own fields already checked). A source of the
// wrong kind is the protocol's fault (/protocol), like analytic_rate's check; decoys that do not
// fit decoy-bb84 are the intensities' (/source/intensities).
void check_protocol(const Link& link) {
    const Source& source = link.source;
    const std::string protocol = to_string(link.protocol);
    const std::string got = ", got " + to_string(source.kind);
    switch (link.protocol) {
        case Protocol::bb84:
            // Any weak-coherent source the checks above accept: the analysis without decoys (GLLP)
            // uses the signal, the first intensity.
            if (source.kind == SourceKind::entangled_pairs) {
                throw ConfigError("/protocol", "bb84 needs a weak-coherent or single-photon source" + got);
            }
            break;
        case Protocol::decoy_bb84: {
            if (source.kind != SourceKind::weak_coherent) {
                throw ConfigError("/protocol", "decoy-bb84 needs a weak-coherent source" + got);
            }
            // Accepted after the signal: a vacuum and one weak decoy (the vacuum + weak bounds of X. Ma,
            // B. Qi, Y. Zhao and H.-K. Lo, Phys. Rev. A 72, 012326 (2005), eqs. 34, 35), or two different weak decoys
            // with or without a vacuum. Nothing else: one weak decoy alone, a vacuum alone, two vacua or three weak
            // decoys.
            std::size_t vacuum = 0;
            std::vector<std::size_t> weak;
            for (std::size_t k = 1; k < source.intensities.size(); ++k) {
                if (source.intensities[k].mean_photon_number == 0) {
                    ++vacuum;
                } else {
                    weak.push_back(k);
                }
            }
            if (weak.size() == 2 &&
                source.intensities[weak[0]].mean_photon_number == source.intensities[weak[1]].mean_photon_number) {
                throw ConfigError("/source/intensities/" + std::to_string(weak[1]) + "/mean_photon_number",
                                  "the two weak decoys must differ");
            }
            if (!((vacuum == 1 && weak.size() == 1) || (vacuum <= 1 && weak.size() == 2))) {
                throw ConfigError("/source/intensities",
                                  "decoy-bb84 needs, after the signal, a vacuum and one weak decoy, or two weak "
                                  "decoys with or without a vacuum; got " +
                                      std::to_string(vacuum) + " vacuum and " + std::to_string(weak.size()) + " weak");
            }
            break;
        }
        case Protocol::bbm92:
        case Protocol::e91:
            if (source.kind != SourceKind::entangled_pairs) {
                throw ConfigError("/protocol", protocol + " needs an entangled-pairs source" + got);
            }
            break;
    }
}

}  // namespace

std::string to_string(Protocol protocol) { return name_of(PROTOCOLS, protocol); }
std::string to_string(SourceKind kind) { return name_of(SOURCE_KINDS, kind); }
std::string to_string(ChannelKind kind) { return name_of(CHANNEL_KINDS, kind); }
std::string to_string(BasisChoice choice) { return name_of(BASIS_CHOICES, choice); }
std::string to_string(AttackKind kind) { return name_of(ATTACKS, kind); }
Protocol parse_protocol(std::string_view name) { return value_of(PROTOCOLS, name, "protocol"); }
AttackKind parse_attack(std::string_view name) { return value_of(ATTACKS, name, "attack"); }

Link parse_link(std::string_view json_text, const std::string& source) {
    const Json root = core::parse_json(json_text, source);
    try {
        Link link = read_link(root);
        check(link);
        return link;
    } catch (const ConfigError& e) {
        throw core::with_source(e, source);
    }
}

Link read_link_file(const std::filesystem::path& path) {
    const std::optional<std::string> text = core::read_text_file(path);
    if (!text) throw Error("cannot read link file '" + path.string() + "'");
    return parse_link(*text, path.string());
}

nlohmann::json to_json(const Link& link) {
    Json source = {{"kind", to_string(link.source.kind)}};
    if (link.source.kind == SourceKind::weak_coherent) {
        Json intensities = Json::array();
        for (const Intensity& intensity : link.source.intensities) {
            intensities.push_back({{"name", intensity.name},
                                   {"mean_photon_number", intensity.mean_photon_number},
                                   {"probability", intensity.probability}});
        }
        source["intensities"] = intensities;
    } else if (link.source.kind == SourceKind::entangled_pairs) {
        source["mean_pair_number"] = link.source.mean_pair_number;
        source["position_km"] = link.source.position_km;
    }
    Json channel = {{"kind", to_string(link.channel.kind)},
                    {"length_km", link.channel.length_km},
                    {"misalignment", link.channel.misalignment}};
    if (link.channel.kind == ChannelKind::fibre) {
        channel["loss_db_per_km"] = link.channel.loss_db_per_km;
        channel["extra_loss_db"] = link.channel.extra_loss_db;
    } else {
        channel["loss_db"] = link.channel.extra_loss_db;
    }
    Json eve = {{"kind", to_string(link.eve.kind)}};
    if (link.eve.kind == AttackKind::intercept_resend) eve["fraction"] = link.eve.fraction;
    return {{"schema", SCHEMA},
            {"name", link.name},
            {"protocol", to_string(link.protocol)},
            {"clock_hz", link.clock_hz},
            {"source", source},
            {"channel", channel},
            {"detectors",
             {{"efficiency", link.detectors.efficiency},
              {"dark_count_probability", link.detectors.dark_count_probability},
              {"afterpulse_probability", link.detectors.afterpulse_probability},
              {"dead_time_ns", link.detectors.dead_time_ns},
              {"basis_choice", to_string(link.detectors.basis_choice)}}},
            {"basis", {{"z_probability", link.z_basis_probability}}},
            {"post_processing", {{"error_correction_efficiency", link.error_correction_efficiency}}},
            {"eve", eve}};
}

void check(const Link& link) {
    if (link.name.empty()) throw ConfigError("/name", "must not be empty");
    check_range(link.clock_hz, "/clock_hz", 0, 1e11, Bound::open);
    check_source(link);
    check_protocol(link);

    const Channel& channel = link.channel;
    check_range(channel.length_km, "/channel/length_km", 0, 1e5);
    if (channel.kind == ChannelKind::fibre) {
        check_range(channel.loss_db_per_km, "/channel/loss_db_per_km", 0, 100);
        check_range(channel.extra_loss_db, "/channel/extra_loss_db", 0, 1000);
    } else {
        check_range(channel.extra_loss_db, "/channel/loss_db", 0, 1000);
    }
    check_range(channel.misalignment, "/channel/misalignment", 0, 0.5);

    const Detectors& detectors = link.detectors;
    check_range(detectors.efficiency, "/detectors/efficiency", 0, 1, Bound::open);
    check_range(detectors.dark_count_probability, "/detectors/dark_count_probability", 0, 1);
    check_range(detectors.afterpulse_probability, "/detectors/afterpulse_probability", 0, 1);
    check_range(detectors.dead_time_ns, "/detectors/dead_time_ns", 0, 1e9);

    check_range(link.z_basis_probability, "/basis/z_probability", 0, 1, Bound::open, Bound::open);
    check_range(link.error_correction_efficiency, "/post_processing/error_correction_efficiency", 1, 10);

    if (link.source.kind == SourceKind::entangled_pairs && link.eve.kind != AttackKind::none) {
        throw ConfigError("/eve/kind",
                          "an eavesdropper is modelled on prepare-and-measure links only; with an "
                          "entangled-pairs source it must be none, got " +
                              to_string(link.eve.kind));
    }
    check_range(link.eve.fraction, "/eve/fraction", 0, 1);
}

double channel_loss_db(const Channel& channel) {
    if (channel.kind == ChannelKind::free_space) return channel.extra_loss_db;
    return channel.loss_db_per_km * channel.length_km + channel.extra_loss_db;
}

double sifting_factor(const Link& link) {
    const double pz = link.z_basis_probability;
    return pz * pz + (1 - pz) * (1 - pz);
}

ArmLoss arm_loss(const Link& link) {
    const Channel& channel = link.channel;
    const double total = channel_loss_db(channel);
    ArmLoss loss;
    if (link.source.kind != SourceKind::entangled_pairs) {
        loss.bob_db = total;
        return loss;
    }
    const double position = link.source.position_km;
    if (channel.kind == ChannelKind::fibre) {
        loss.alice_db = channel.loss_db_per_km * position;
    } else {
        loss.alice_db = channel.length_km > 0 ? channel.extra_loss_db * position / channel.length_km : 0;
    }
    loss.bob_db = std::max(0.0, total - loss.alice_db);
    return loss;
}

double receiver_dark_count_probability(const Detectors& detectors) {
    const double detectors_per_receiver = detectors.basis_choice == BasisChoice::active ? 2 : 4;
    // 1 - (1 - p)^k without the cancellation of 1 - (1 - tiny).
    return -std::expm1(detectors_per_receiver * std::log1p(-detectors.dark_count_probability));
}

LinkParameters analytic_parameters(const Link& link) {
    LinkParameters parameters;
    parameters.length_km = link.channel.length_km;
    if (link.channel.kind == ChannelKind::fibre) {
        parameters.loss_db_per_km = link.channel.loss_db_per_km;
        parameters.extra_loss_db = link.channel.extra_loss_db;
    } else {
        parameters.loss_db_per_km = 0;  // the whole fixed loss, at any distance
        parameters.extra_loss_db = link.channel.extra_loss_db;
    }
    parameters.detector_efficiency = link.detectors.efficiency;
    parameters.dark_count_probability = receiver_dark_count_probability(link.detectors);
    parameters.misalignment = link.channel.misalignment;
    parameters.error_correction_efficiency = link.error_correction_efficiency;
    parameters.sifting_factor = sifting_factor(link);
    return parameters;
}

}  // namespace qkdlab::qkd
