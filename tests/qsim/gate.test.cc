#include "qkdlab/qsim/gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <vector>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

using std::numbers::pi;
const Complex I{0, 1};
constexpr double TH = 0.7, PH = -1.3, LA = 2.1, GA = 0.4;
const double C = std::cos(TH / 2), S = std::sin(TH / 2);

Complex e(double angle) { return std::exp(I * angle); }

// Textbook matrices are written big-endian (the first qubit is the most significant bit); ours are
// little-endian in the gate's qubit order. This reverses the bit order of rows and columns.
Matrix from_textbook(const Matrix& m) {
    const std::size_t d = m.dim();
    const unsigned k = static_cast<unsigned>(std::countr_zero(d));
    const auto reverse = [&](std::size_t i) {
        std::size_t r = 0;
        for (unsigned b = 0; b < k; ++b)
            if ((i >> b) & 1) r |= std::size_t{1} << (k - 1 - b);
        return r;
    };
    Matrix out(d);
    for (std::size_t r = 0; r < d; ++r)
        for (std::size_t c = 0; c < d; ++c) out(reverse(r), reverse(c)) = m(r, c);
    return out;
}

// diag(I, g) with the control as the most significant bit (textbook form).
Matrix textbook_controlled(const Matrix& g) {
    Matrix m = Matrix::identity(2 * g.dim());
    for (std::size_t r = 0; r < g.dim(); ++r)
        for (std::size_t c = 0; c < g.dim(); ++c) m(g.dim() + r, g.dim() + c) = g(r, c);
    return m;
}

struct Expected {
    std::vector<double> params;
    Matrix textbook;
};

std::map<GateKind, Expected> textbook_gates() {
    const double r = 1 / std::numbers::sqrt2;
    const Matrix x(2, {0, 1, 1, 0}), y(2, {0, -I, I, 0}), z(2, {1, 0, 0, -1}), h(2, {r, r, r, -r});
    const Matrix u3(2, {C, -e(LA) * S, e(PH) * S, e(PH + LA) * C});
    const Matrix rx(2, {C, -I * S, -I * S, C}), ry(2, {C, -S, S, C}), rz(2, {e(-TH / 2), 0, 0, e(TH / 2)});
    const Matrix p(2, {1, 0, 0, e(LA)});
    const Complex a = 0.5 + 0.5 * I, b = 0.5 - 0.5 * I;
    return {
        {GateKind::i, {{}, Matrix::identity(2)}},
        {GateKind::x, {{}, x}},
        {GateKind::y, {{}, y}},
        {GateKind::z, {{}, z}},
        {GateKind::h, {{}, h}},
        {GateKind::s, {{}, Matrix(2, {1, 0, 0, I})}},
        {GateKind::sdg, {{}, Matrix(2, {1, 0, 0, -I})}},
        {GateKind::t, {{}, Matrix(2, {1, 0, 0, e(pi / 4)})}},
        {GateKind::tdg, {{}, Matrix(2, {1, 0, 0, e(-pi / 4)})}},
        {GateKind::sx, {{}, Matrix(2, {a, b, b, a})}},
        {GateKind::sxdg, {{}, Matrix(2, {b, a, a, b})}},
        {GateKind::rx, {{TH}, rx}},
        {GateKind::ry, {{TH}, ry}},
        {GateKind::rz, {{TH}, rz}},
        {GateKind::p, {{LA}, p}},
        {GateKind::u, {{TH, PH, LA}, u3}},
        {GateKind::u1, {{LA}, p}},
        {GateKind::u2, {{PH, LA}, Matrix(2, {r, -e(LA) * r, e(PH) * r, e(PH + LA) * r})}},
        {GateKind::u3, {{TH, PH, LA}, u3}},
        {GateKind::cx, {{}, Matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0})}},
        {GateKind::cy, {{}, Matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, -I, 0, 0, I, 0})}},
        {GateKind::cz, {{}, Matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1})}},
        {GateKind::ch, {{}, textbook_controlled(h)}},
        {GateKind::swap, {{}, Matrix(4, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1})}},
        {GateKind::iswap, {{}, Matrix(4, {1, 0, 0, 0, 0, 0, I, 0, 0, I, 0, 0, 0, 0, 0, 1})}},
        {GateKind::crx, {{TH}, textbook_controlled(rx)}},
        {GateKind::cry, {{TH}, textbook_controlled(ry)}},
        {GateKind::crz, {{TH}, textbook_controlled(rz)}},
        {GateKind::cp, {{LA}, Matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, e(LA)})}},
        {GateKind::cu,
         {{TH, PH, LA, GA},
          Matrix(4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, e(GA) * C, -e(GA + LA) * S, 0, 0, e(GA + PH) * S,
                     e(GA + PH + LA) * C})}},
        {GateKind::cu3, {{TH, PH, LA}, textbook_controlled(u3)}},
        {GateKind::rxx, {{TH}, Matrix(4, {C, 0, 0, -I * S, 0, C, -I * S, 0, 0, -I * S, C, 0, -I * S, 0, 0, C})}},
        {GateKind::ryy, {{TH}, Matrix(4, {C, 0, 0, I * S, 0, C, -I * S, 0, 0, -I * S, C, 0, I * S, 0, 0, C})}},
        {GateKind::rzz,
         {{TH}, Matrix(4, {e(-TH / 2), 0, 0, 0, 0, e(TH / 2), 0, 0, 0, 0, e(TH / 2), 0, 0, 0, 0, e(-TH / 2)})}},
        {GateKind::ccx, {{}, textbook_controlled(textbook_controlled(x))}},
        {GateKind::cswap, {{}, textbook_controlled(Matrix(4, {1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}))}},
    };
}

Matrix product(std::initializer_list<Matrix> factors) {  // applied right to left, as written
    Matrix m = Matrix::identity(factors.begin()->dim());
    for (const Matrix& f : factors) m = m * f;
    return m;
}

Matrix g(GateKind kind, std::vector<double> params = {}) { return gate_matrix(kind, params); }

}  // namespace

TEST(gate, every_gate_matches_its_textbook_matrix) {
    const auto expected = textbook_gates();
    ASSERT_EQ(expected.size(), all_gate_kinds().size()) << "a gate has no textbook entry";
    for (GateKind kind : all_gate_kinds()) {
        const Expected& want = expected.at(kind);
        const Matrix got = gate_matrix(kind, want.params);
        EXPECT_LE(got.max_abs_diff(from_textbook(want.textbook)), 1e-14) << gate_info(kind).name;
        EXPECT_TRUE(got.is_unitary(1e-13)) << gate_info(kind).name;
        EXPECT_EQ(got.dim(), std::size_t{1} << gate_info(kind).num_qubits) << gate_info(kind).name;
    }
}

TEST(gate, identities) {
    const Matrix id2 = Matrix::identity(2), id4 = Matrix::identity(4);
    EXPECT_LE(product({g(GateKind::h), g(GateKind::z), g(GateKind::h)}).max_abs_diff(g(GateKind::x)), 1e-15);
    EXPECT_LE(product({g(GateKind::h), g(GateKind::x), g(GateKind::h)}).max_abs_diff(g(GateKind::z)), 1e-15);
    EXPECT_LE(product({g(GateKind::s), g(GateKind::s)}).max_abs_diff(g(GateKind::z)), 1e-15);
    EXPECT_LE(product({g(GateKind::t), g(GateKind::t)}).max_abs_diff(g(GateKind::s)), 1e-15);
    EXPECT_LE(product({g(GateKind::sx), g(GateKind::sx)}).max_abs_diff(g(GateKind::x)), 1e-15);
    EXPECT_LE(product({g(GateKind::sx), g(GateKind::sxdg)}).max_abs_diff(id2), 1e-15);
    EXPECT_LE(product({g(GateKind::t), g(GateKind::tdg)}).max_abs_diff(id2), 1e-15);
    // Y = i X Z
    Matrix ixz = product({g(GateKind::x), g(GateKind::z)});
    ixz *= I;
    EXPECT_LE(ixz.max_abs_diff(g(GateKind::y)), 1e-15);
    // RX(θ) = H RZ(θ) H; U2(φ, λ) = U3(π/2, φ, λ); U1 = P.
    EXPECT_LE(product({g(GateKind::h), g(GateKind::rz, {TH}), g(GateKind::h)}).max_abs_diff(g(GateKind::rx, {TH})),
              1e-15);
    EXPECT_LE(g(GateKind::u2, {PH, LA}).max_abs_diff(g(GateKind::u3, {pi / 2, PH, LA})), 1e-15);
    // RZ(θ) = e^{-iθ/2} P(θ)
    Matrix phased = g(GateKind::p, {TH});
    phased *= e(-TH / 2);
    EXPECT_LE(phased.max_abs_diff(g(GateKind::rz, {TH})), 1e-15);
    // CX = (H on target) CZ (H on target); the target is qubit 1, the high bit.
    const Matrix h_target = g(GateKind::h).kron(id2);
    EXPECT_LE(product({h_target, g(GateKind::cz), h_target}).max_abs_diff(g(GateKind::cx)), 1e-15);
    // SWAP = CX(0,1) CX(1,0) CX(0,1)
    const Matrix cx01 = g(GateKind::cx);
    const Matrix cx10 = from_textbook(cx01);  // the same gate with the qubits exchanged
    EXPECT_LE(product({cx01, cx10, cx01}).max_abs_diff(g(GateKind::swap)), 1e-15);
    // RZZ(θ) = CX RZ(θ)_target CX
    const Matrix rz_target = g(GateKind::rz, {TH}).kron(id2);
    EXPECT_LE(product({cx01, rz_target, cx01}).max_abs_diff(g(GateKind::rzz, {TH})), 1e-15);
    // CP(λ) is symmetric in its qubits; CX is its own inverse.
    EXPECT_LE(from_textbook(g(GateKind::cp, {LA})).max_abs_diff(g(GateKind::cp, {LA})), 1e-15);
    EXPECT_LE(product({g(GateKind::cx), g(GateKind::cx)}).max_abs_diff(id4), 1e-15);
}

TEST(gate, names_and_aliases) {
    EXPECT_EQ(gate_by_name("cx"), GateKind::cx);
    EXPECT_EQ(gate_by_name("CX"), GateKind::cx);
    EXPECT_EQ(gate_by_name("U"), GateKind::u);
    EXPECT_EQ(gate_by_name("cu1"), GateKind::cp);
    EXPECT_EQ(gate_by_name("id"), GateKind::i);
    EXPECT_EQ(gate_by_name("nope"), std::nullopt);
    for (GateKind kind : all_gate_kinds()) EXPECT_EQ(gate_by_name(gate_info(kind).name), kind);
}

TEST(gate, wrong_number_of_angles_is_an_error) {
    EXPECT_THROW(gate_matrix(GateKind::rx, std::vector<double>{}), Error);
    EXPECT_THROW(gate_matrix(GateKind::h, std::vector<double>{1.0}), Error);
}

}  // namespace qkdlab::qsim
