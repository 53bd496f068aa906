// Teleportation with a gate library from a file beside this one.
OPENQASM 2.0;
include "qelib1.inc";
include "bell.inc";
qreg q[3];
creg m0[1];
creg m1[1];
creg out[1];
rx(pi / 3) q[0];
bell q[1], q[2];
unbell q[0], q[1];
measure q[0] -> m0[0];
measure q[1] -> m1[0];
if (m1 == 1) x q[2];
if (m0 == 1) z q[2];
measure q[2] -> out[0];
