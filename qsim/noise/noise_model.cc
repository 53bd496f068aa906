#include "qkdlab/qsim/noise_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "qkdlab/core/error.h"
#include "qkdlab/core/json_fields.h"
#include "qkdlab/core/text_file.h"

namespace qkdlab::qsim {
namespace {

using core::array_at;
using core::boolean;
using core::field;
using core::Json;
using core::number;
using core::number_field;
using core::object_at;
using core::only_keys;

constexpr const char* SCHEMA = "qkdlab.noise/1";

// A qubit key of an object: "default" or a non-negative integer.
void check_qubit_key(const std::string& key, const std::string& path) {
    if (key == "default") return;
    if (key.empty() || key.size() > 9 || !std::all_of(key.begin(), key.end(), ::isdigit)) {
        throw ConfigError(path + "/" + key, "expected \"default\" or a qubit number");
    }
}

Matrix kraus_operator(const Json& rows, const std::string& path) {
    if (!rows.is_array() || rows.empty()) throw ConfigError(path, "expected a square matrix of [re, im] pairs");
    const std::size_t d = rows.size();
    Matrix m(d);
    for (std::size_t r = 0; r < d; ++r) {
        const std::string row_path = path + "/" + std::to_string(r);
        if (!rows[r].is_array() || rows[r].size() != d) {
            throw ConfigError(row_path, "expected a row of " + std::to_string(d) + " entries");
        }
        for (std::size_t c = 0; c < d; ++c) {
            const Json& entry = rows[r][c];
            const std::string entry_path = row_path + "/" + std::to_string(c);
            if (entry.is_number()) {
                m(r, c) = number(entry, entry_path, -1, 1);
            } else if (entry.is_array() && entry.size() == 2) {
                m(r, c) = {number(entry[0], entry_path + "/0", -1, 1), number(entry[1], entry_path + "/1", -1, 1)};
            } else {
                throw ConfigError(entry_path, "expected a number or a [re, im] pair");
            }
        }
    }
    return m;
}

KrausChannel channel(const Json& v, const std::string& path) {
    object_at(v, path);
    const std::string type = core::string_field(v, "type", path);
    // Range errors of the channel itself (e.g. px + py + pz > 1, T2 > 2 T1) name the channel.
    const auto build = [&](auto&& make) {
        try {
            return make();
        } catch (const ConfigError&) {
            throw;
        } catch (const Error& e) {
            throw ConfigError(path, e.what());
        }
    };
    if (type == "depolarizing" || type == "depolarizing2" || type == "bit_flip" || type == "phase_flip") {
        only_keys(v, {"type", "p"}, path);
        const double high = type == "depolarizing" ? 4.0 / 3.0 : type == "depolarizing2" ? 16.0 / 15.0 : 1.0;
        const double p = number_field(v, "p", path, 0, high);
        return build([&] {
            return type == "depolarizing"    ? KrausChannel::depolarizing(p)
                   : type == "depolarizing2" ? KrausChannel::depolarizing2(p)
                   : type == "bit_flip"      ? KrausChannel::bit_flip(p)
                                             : KrausChannel::phase_flip(p);
        });
    }
    if (type == "pauli") {
        only_keys(v, {"type", "px", "py", "pz"}, path);
        const double px = number_field(v, "px", path, 0, 1), py = number_field(v, "py", path, 0, 1),
                     pz = number_field(v, "pz", path, 0, 1);
        return build([&] { return KrausChannel::pauli(px, py, pz); });
    }
    if (type == "amplitude_damping") {
        only_keys(v, {"type", "gamma"}, path);
        return KrausChannel::amplitude_damping(number_field(v, "gamma", path, 0, 1));
    }
    if (type == "phase_damping") {
        only_keys(v, {"type", "lambda"}, path);
        return KrausChannel::phase_damping(number_field(v, "lambda", path, 0, 1));
    }
    if (type == "generalized_amplitude_damping") {
        only_keys(v, {"type", "gamma", "p"}, path);
        return KrausChannel::generalized_amplitude_damping(number_field(v, "gamma", path, 0, 1),
                                                           number_field(v, "p", path, 0, 1));
    }
    if (type == "thermal_relaxation") {
        only_keys(v, {"type", "t1_us", "t2_us", "duration_ns"}, path);
        const double t1 = number_field(v, "t1_us", path, 1e-9, 1e12), t2 = number_field(v, "t2_us", path, 1e-9, 1e12);
        const double duration = number_field(v, "duration_ns", path, 0, 1e15);
        return build([&] { return KrausChannel::thermal_relaxation(t1 * 1e3, t2 * 1e3, duration); });
    }
    if (type == "reset_error") {
        only_keys(v, {"type", "p0", "p1"}, path);
        const double p0 = number_field(v, "p0", path, 0, 1), p1 = number_field(v, "p1", path, 0, 1);
        return build([&] { return KrausChannel::reset_error(p0, p1); });
    }
    if (type == "kraus") {
        only_keys(v, {"type", "operators"}, path);
        const Json& ops = field(v, "operators", path);
        if (!ops.is_array() || ops.empty()) throw ConfigError(path + "/operators", "expected a list of matrices");
        std::vector<Matrix> operators;
        for (std::size_t k = 0; k < ops.size(); ++k)
            operators.push_back(kraus_operator(ops[k], path + "/operators/" + std::to_string(k)));
        return build([&] { return KrausChannel(std::move(operators)); });
    }
    throw ConfigError(path + "/type",
                      "unknown channel '" + type +
                          "'; expected depolarizing, depolarizing2, pauli, bit_flip, phase_flip, amplitude_damping, "
                          "phase_damping, generalized_amplitude_damping, thermal_relaxation, reset_error or kraus");
}

ConfusionMatrix confusion(const Json& v, const std::string& path) {
    if (!v.is_array() || v.size() != 2) throw ConfigError(path, "expected [[P(0|0), P(1|0)], [P(0|1), P(1|1)]]");
    ConfusionMatrix m{};
    for (std::size_t r = 0; r < 2; ++r) {
        const std::string row_path = path + "/" + std::to_string(r);
        if (!v[r].is_array() || v[r].size() != 2) throw ConfigError(row_path, "expected a row of 2 probabilities");
        for (std::size_t c = 0; c < 2; ++c) m[r][c] = number(v[r][c], row_path + "/" + std::to_string(c), 0, 1);
        if (std::abs(m[r][0] + m[r][1] - 1) > 1e-9) {
            throw ConfigError(row_path,
                              "the probabilities of a row must add up to 1, got " + std::to_string(m[r][0] + m[r][1]));
        }
    }
    return m;
}

template <class T>
std::optional<T> per_qubit(const std::map<std::string, T>& table, Qubit qubit) {
    if (const auto it = table.find(std::to_string(qubit)); it != table.end()) return it->second;
    if (const auto it = table.find("default"); it != table.end()) return it->second;
    return std::nullopt;
}

}  // namespace

NoiseModel NoiseModel::parse(std::string_view json_text, const std::string& source) {
    try {
        return parse_json(json_text, source);
    } catch (const ConfigError& e) {
        throw core::with_source(e, source);
    }
}

NoiseModel NoiseModel::parse_json(std::string_view json_text, const std::string& source) {
    const Json root = core::parse_json(json_text, source);
    object_at(root, "");
    only_keys(root, {"schema", "qubits", "gate_durations_ns", "idle_noise", "after_gates", "readout"}, "");
    NoiseModel model;
    if (root.contains("schema")) {
        const Json& schema = root.at("schema");
        if (!schema.is_string() || schema.get<std::string>() != SCHEMA) {
            throw ConfigError("/schema", std::string("expected \"") + SCHEMA + "\", got " + schema.dump());
        }
    }
    if (root.contains("qubits")) {
        for (const auto& [key, value] : object_at(root.at("qubits"), "/qubits").items()) {
            const std::string path = "/qubits/" + key;
            check_qubit_key(key, "/qubits");
            object_at(value, path);
            only_keys(value, {"t1_us", "t2_us"}, path);
            const double t1 = number_field(value, "t1_us", path, 1e-9, 1e12);
            const double t2 = number_field(value, "t2_us", path, 1e-9, 2 * t1);
            model.relaxation_[key] = {t1, t2};
        }
    }
    if (root.contains("gate_durations_ns")) {
        for (const auto& [key, value] : object_at(root.at("gate_durations_ns"), "/gate_durations_ns").items()) {
            if (key != "default" && key != "measure" && key != "reset" && !gate_by_name(key)) {
                throw ConfigError("/gate_durations_ns/" + key,
                                  "expected \"default\", \"measure\", \"reset\" or the name of a standard gate");
            }
            model.durations_ns_[key] = number(value, "/gate_durations_ns/" + key, 0, 1e15);
        }
    }
    if (root.contains("idle_noise")) {
        model.idle_noise_ = boolean(root.at("idle_noise"), "/idle_noise");
        if (model.idle_noise_ && model.relaxation_.empty()) {
            throw ConfigError("/idle_noise", "idle noise needs T1 and T2: add \"qubits\": {\"default\": {...}}");
        }
    }
    if (root.contains("after_gates")) {
        const Json& rules = array_at(root.at("after_gates"), "/after_gates");
        for (std::size_t k = 0; k < rules.size(); ++k) {
            const std::string path = "/after_gates/" + std::to_string(k);
            const Json& rule = object_at(rules[k], path);
            only_keys(rule, {"gates", "qubits", "channel"}, path);
            GateNoise noise{{}, {}, channel(field(rule, "channel", path), path + "/channel")};
            if (rule.contains("gates")) {
                const Json& gates = rule.at("gates");
                if (!gates.is_array()) throw ConfigError(path + "/gates", "expected a list of gate names");
                for (std::size_t g = 0; g < gates.size(); ++g) {
                    const std::string gate_path = path + "/gates/" + std::to_string(g);
                    if (!gates[g].is_string() || !gate_by_name(gates[g].get<std::string>())) {
                        throw ConfigError(gate_path, "expected the name of a standard gate, got " + gates[g].dump());
                    }
                    noise.gates.push_back(gates[g].get<std::string>());
                }
            }
            if (rule.contains("qubits")) {
                const Json& qubits = rule.at("qubits");
                if (!qubits.is_array()) throw ConfigError(path + "/qubits", "expected a list of qubit numbers");
                for (std::size_t q = 0; q < qubits.size(); ++q)
                    noise.qubits.push_back(
                        static_cast<Qubit>(number(qubits[q], path + "/qubits/" + std::to_string(q), 0, 1e6)));
            }
            if (noise.channel.num_qubits() > 1) {
                if (noise.gates.empty()) {
                    throw ConfigError(path + "/gates", "a channel on " + std::to_string(noise.channel.num_qubits()) +
                                                           " qubits needs the gates it follows, all of that size");
                }
                for (std::size_t g = 0; g < noise.gates.size(); ++g) {
                    if (gate_info(*gate_by_name(noise.gates[g])).num_qubits != noise.channel.num_qubits()) {
                        throw ConfigError(path + "/gates/" + std::to_string(g),
                                          "gate '" + noise.gates[g] + "' does not act on " +
                                              std::to_string(noise.channel.num_qubits()) + " qubits like its channel");
                    }
                }
            }
            model.gate_noise_.push_back(std::move(noise));
        }
    }
    if (root.contains("readout")) {
        for (const auto& [key, value] : object_at(root.at("readout"), "/readout").items()) {
            check_qubit_key(key, "/readout");
            model.readout_[key] = confusion(value, "/readout/" + key);
        }
    }
    return model;
}

NoiseModel NoiseModel::read_file(const std::filesystem::path& path) {
    const std::optional<std::string> text = core::read_text_file(path);
    if (!text) throw Error("cannot read noise model '" + path.string() + "'");
    return parse(*text, path.string());
}

std::optional<Relaxation> NoiseModel::relaxation(Qubit qubit) const { return per_qubit(relaxation_, qubit); }

std::optional<ConfusionMatrix> NoiseModel::readout(Qubit qubit) const { return per_qubit(readout_, qubit); }

double NoiseModel::duration_ns(std::string_view operation) const {
    if (const auto it = durations_ns_.find(std::string(operation)); it != durations_ns_.end()) return it->second;
    if (const auto it = durations_ns_.find("default"); it != durations_ns_.end()) return it->second;
    return 0;
}

}  // namespace qkdlab::qsim
