// W state on 3 qubits, (|001> + |010> + |100>) / sqrt(3), with the angle as a float literal as
// exporters print it: ry(2 asin(1/sqrt(3))) puts amplitude 1/sqrt(3) on q[0] = 1; for q[0] = 0 a
// controlled Hadamard splits the rest between q[1] = 1 and q[2] = 1.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg meas[3];
ry(1.2309594173407747) q[0];
x q[0];
ch q[0],q[1];
x q[1];
ccx q[0],q[1],q[2];
x q[1];
x q[0];
barrier q[0],q[1],q[2];
measure q[0] -> meas[0];
measure q[1] -> meas[1];
measure q[2] -> meas[2];
