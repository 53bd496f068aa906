#include "qkdlab/qsim/gate.h"

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

using std::numbers::pi;
constexpr Complex I{0.0, 1.0};

constexpr std::array GATES = {
    std::pair{GateKind::i, GateInfo{"id", 1, 0, 0}},        std::pair{GateKind::x, GateInfo{"x", 1, 0, 0}},
    std::pair{GateKind::y, GateInfo{"y", 1, 0, 0}},         std::pair{GateKind::z, GateInfo{"z", 1, 0, 0}},
    std::pair{GateKind::h, GateInfo{"h", 1, 0, 0}},         std::pair{GateKind::s, GateInfo{"s", 1, 0, 0}},
    std::pair{GateKind::sdg, GateInfo{"sdg", 1, 0, 0}},     std::pair{GateKind::t, GateInfo{"t", 1, 0, 0}},
    std::pair{GateKind::tdg, GateInfo{"tdg", 1, 0, 0}},     std::pair{GateKind::sx, GateInfo{"sx", 1, 0, 0}},
    std::pair{GateKind::sxdg, GateInfo{"sxdg", 1, 0, 0}},   std::pair{GateKind::rx, GateInfo{"rx", 1, 1, 0}},
    std::pair{GateKind::ry, GateInfo{"ry", 1, 1, 0}},       std::pair{GateKind::rz, GateInfo{"rz", 1, 1, 0}},
    std::pair{GateKind::p, GateInfo{"p", 1, 1, 0}},         std::pair{GateKind::u, GateInfo{"u", 1, 3, 0}},
    std::pair{GateKind::u1, GateInfo{"u1", 1, 1, 0}},       std::pair{GateKind::u2, GateInfo{"u2", 1, 2, 0}},
    std::pair{GateKind::u3, GateInfo{"u3", 1, 3, 0}},       std::pair{GateKind::cx, GateInfo{"cx", 2, 0, 1}},
    std::pair{GateKind::cy, GateInfo{"cy", 2, 0, 1}},       std::pair{GateKind::cz, GateInfo{"cz", 2, 0, 1}},
    std::pair{GateKind::ch, GateInfo{"ch", 2, 0, 1}},       std::pair{GateKind::swap, GateInfo{"swap", 2, 0, 0}},
    std::pair{GateKind::iswap, GateInfo{"iswap", 2, 0, 0}}, std::pair{GateKind::crx, GateInfo{"crx", 2, 1, 1}},
    std::pair{GateKind::cry, GateInfo{"cry", 2, 1, 1}},     std::pair{GateKind::crz, GateInfo{"crz", 2, 1, 1}},
    std::pair{GateKind::cp, GateInfo{"cp", 2, 1, 1}},       std::pair{GateKind::cu, GateInfo{"cu", 2, 4, 1}},
    std::pair{GateKind::cu3, GateInfo{"cu3", 2, 3, 1}},     std::pair{GateKind::rxx, GateInfo{"rxx", 2, 1, 0}},
    std::pair{GateKind::ryy, GateInfo{"ryy", 2, 1, 0}},     std::pair{GateKind::rzz, GateInfo{"rzz", 2, 1, 0}},
    std::pair{GateKind::ccx, GateInfo{"ccx", 3, 0, 2}},     std::pair{GateKind::cswap, GateInfo{"cswap", 3, 0, 1}},
};

constexpr std::array<std::pair<std::string_view, GateKind>, 4> ALIASES = {{
    {"i", GateKind::i},
    {"cu1", GateKind::cp},
    {"U", GateKind::u},
    {"CX", GateKind::cx},
}};

constexpr std::array<GateKind, GATES.size()> kinds_in_order() {
    std::array<GateKind, GATES.size()> kinds{};
    for (std::size_t k = 0; k < GATES.size(); ++k) kinds[k] = GATES[k].first;
    return kinds;
}
constexpr std::array KINDS = kinds_in_order();

static_assert(
    [] {
        for (std::size_t k = 0; k < GATES.size(); ++k)
            if (static_cast<std::size_t>(GATES[k].first) != k) return false;
        return true;
    }(),
    "GATES must list every GateKind in declaration order");

using Entries = std::initializer_list<Complex>;

// The entries of U(theta, phi, lambda) times the global phase e^{i gamma}.
std::array<Complex, 4> u_entries(double theta, double phi, double lambda, double gamma) {
    const double c = std::cos(theta / 2), s = std::sin(theta / 2);
    return {std::exp(I * gamma) * c, -std::exp(I * (gamma + lambda)) * s, std::exp(I * (gamma + phi)) * s,
            std::exp(I * (gamma + phi + lambda)) * c};
}

// The gate on `num_controls` leading control qubits (low index bits) and the targets of `target`.
Matrix controlled(const Matrix& target, unsigned num_controls) {
    const std::size_t cdim = std::size_t{1} << num_controls;
    const std::size_t all_on = cdim - 1;
    Matrix m = Matrix::identity(cdim * target.dim());
    for (std::size_t r = 0; r < target.dim(); ++r)
        for (std::size_t c = 0; c < target.dim(); ++c) m(r * cdim + all_on, c * cdim + all_on) = target(r, c);
    return m;
}

}  // namespace

const GateInfo& gate_info(GateKind kind) { return GATES.at(static_cast<std::size_t>(kind)).second; }

std::optional<GateKind> gate_by_name(std::string_view name) {
    for (const auto& [kind, info] : GATES)
        if (info.name == name) return kind;
    for (const auto& [alias, kind] : ALIASES)
        if (alias == name) return kind;
    return std::nullopt;
}

std::span<const GateKind> all_gate_kinds() { return KINDS; }

std::size_t write_gate_target_matrix(GateKind kind, std::span<const double> params, std::span<Complex, 16> out) {
    const GateInfo& info = gate_info(kind);
    if (params.size() != info.num_params) {
        throw Error("gate " + std::string(info.name) + " takes " + std::to_string(info.num_params) + " angle(s), got " +
                    std::to_string(params.size()));
    }
    const auto a = [&](std::size_t k) { return params[k]; };
    const auto write = [&](Entries entries) {
        std::copy(entries.begin(), entries.end(), out.begin());
        return entries.size() == 4 ? std::size_t{2} : std::size_t{4};
    };
    const double r = 1 / std::numbers::sqrt2;
    const double half = info.num_params > 0 ? a(0) / 2 : 0;  // half the first angle, for rotations
    const double c = std::cos(half), s = std::sin(half);
    const Complex e_minus = std::exp(-I * half), e_plus = std::exp(I * half);
    const auto write_u = [&](const std::array<Complex, 4>& u) { return write({u[0], u[1], u[2], u[3]}); };
    switch (kind) {
        case GateKind::i:
            return write({1, 0, 0, 1});
        case GateKind::x:
        case GateKind::cx:
        case GateKind::ccx:
            return write({0, 1, 1, 0});
        case GateKind::y:
        case GateKind::cy:
            return write({0, -I, I, 0});
        case GateKind::z:
        case GateKind::cz:
            return write({1, 0, 0, -1});
        case GateKind::h:
        case GateKind::ch:
            return write({r, r, r, -r});
        case GateKind::s:
            return write({1, 0, 0, I});
        case GateKind::sdg:
            return write({1, 0, 0, -I});
        case GateKind::t:
            return write({1, 0, 0, std::exp(I * (pi / 4))});
        case GateKind::tdg:
            return write({1, 0, 0, std::exp(-I * (pi / 4))});
        case GateKind::sx:
            return write({0.5 + 0.5 * I, 0.5 - 0.5 * I, 0.5 - 0.5 * I, 0.5 + 0.5 * I});
        case GateKind::sxdg:
            return write({0.5 - 0.5 * I, 0.5 + 0.5 * I, 0.5 + 0.5 * I, 0.5 - 0.5 * I});
        case GateKind::rx:
        case GateKind::crx:
            return write({c, -I * s, -I * s, c});
        case GateKind::ry:
        case GateKind::cry:
            return write({c, -s, s, c});
        case GateKind::rz:
        case GateKind::crz:
            return write({e_minus, 0, 0, e_plus});
        case GateKind::p:
        case GateKind::u1:
        case GateKind::cp:
            return write({1, 0, 0, std::exp(I * a(0))});
        case GateKind::u:
        case GateKind::u3:
        case GateKind::cu3:
            return write_u(u_entries(a(0), a(1), a(2), 0));
        case GateKind::u2:
            return write_u(u_entries(pi / 2, a(0), a(1), 0));
        case GateKind::cu:
            return write_u(u_entries(a(0), a(1), a(2), a(3)));
        case GateKind::swap:
        case GateKind::cswap:
            return write({1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1});
        case GateKind::iswap:
            return write({1, 0, 0, 0, 0, 0, I, 0, 0, I, 0, 0, 0, 0, 0, 1});
        case GateKind::rxx:  // exp(-i theta/2 X⊗X)
            return write({c, 0, 0, -I * s, 0, c, -I * s, 0, 0, -I * s, c, 0, -I * s, 0, 0, c});
        case GateKind::ryy:  // exp(-i theta/2 Y⊗Y)
            return write({c, 0, 0, I * s, 0, c, -I * s, 0, 0, -I * s, c, 0, I * s, 0, 0, c});
        case GateKind::rzz:  // exp(-i theta/2 Z⊗Z)
            return write({e_minus, 0, 0, 0, 0, e_plus, 0, 0, 0, 0, e_plus, 0, 0, 0, 0, e_minus});
    }
    throw Error("unknown gate kind");
}

Matrix gate_target_matrix(GateKind kind, std::span<const double> params) {
    std::array<Complex, 16> entries{};
    const std::size_t dim = write_gate_target_matrix(kind, params, entries);
    return Matrix(dim, std::vector<Complex>(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(dim * dim)));
}

Matrix gate_matrix(GateKind kind, std::span<const double> params) {
    return controlled(gate_target_matrix(kind, params), gate_info(kind).num_controls);
}

}  // namespace qkdlab::qsim
