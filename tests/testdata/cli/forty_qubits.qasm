OPENQASM 2.0;
qreg q[40];
creg c[1];
measure q[0] -> c[0];
