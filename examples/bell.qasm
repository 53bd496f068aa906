// Bell state: h then cx entangle two qubits into (|00> + |11>) / sqrt(2). Each qubit alone is a fair
// coin, but the two always agree: 00 or 11, half of the shots each, never 01 or 10.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
