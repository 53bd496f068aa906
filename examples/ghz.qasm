// GHZ state on 5 qubits: h on the first and a chain of cx copy it into the others, giving
// (|00000> + |11111>) / sqrt(2): all five agree, 00000 or 11111, half of the shots each.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
creg c[5];
h q[0];
cx q[0],q[1];
cx q[1],q[2];
cx q[2],q[3];
cx q[3],q[4];
measure q -> c;
