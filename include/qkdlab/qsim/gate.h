#pragma once
// The standard gate set: names, arities and textbook matrices. A gate's qubits are given in the
// order the gate takes them in OpenQASM (controls first: `cx c, t`); its matrix is little-endian in
// that order (bit 0 of the row index is the first qubit). Angles are in radians.

#include <optional>
#include <span>
#include <string_view>

#include "qkdlab/qsim/matrix.h"

namespace qkdlab::qsim {

enum class GateKind {
    // one qubit, no angle
    i,
    x,
    y,
    z,
    h,
    s,
    sdg,
    t,
    tdg,
    sx,
    sxdg,
    // one qubit with angles
    rx,
    ry,
    rz,
    p,
    u,
    u1,
    u2,
    u3,
    // two qubits
    cx,
    cy,
    cz,
    ch,
    swap,
    iswap,
    crx,
    cry,
    crz,
    cp,
    cu,
    cu3,
    rxx,
    ryy,
    rzz,
    // three qubits
    ccx,
    cswap,
};

struct GateInfo {
    std::string_view name;  // OpenQASM 2.0 spelling (qelib1.inc)
    unsigned num_qubits;    // including controls
    unsigned num_params;    // angles
    unsigned num_controls;  // leading qubits that act only as controls (0 for swap, rxx, ...)
};

const GateInfo& gate_info(GateKind kind);

// The gate of an OpenQASM name, including aliases (id -> i, cu1 -> cp, cnot -> cx); nullopt if none.
std::optional<GateKind> gate_by_name(std::string_view name);

// All gate kinds, in declaration order (for tests and tables).
std::span<const GateKind> all_gate_kinds();

// The full unitary of the gate over all its qubits (controls included), little-endian in the
// gate's qubit order. Throws qkdlab::Error if the number of angles is wrong.
Matrix gate_matrix(GateKind kind, std::span<const double> params);

// The matrix of the gate on its target qubits alone (the qubits after its controls).
Matrix gate_target_matrix(GateKind kind, std::span<const double> params);

// The same, written row-major into `out` without allocating (for the per-gate hot path); returns
// its dimension, 2 or 4.
std::size_t write_gate_target_matrix(GateKind kind, std::span<const double> params, std::span<Complex, 16> out);

}  // namespace qkdlab::qsim
