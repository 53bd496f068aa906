// Quantum teleportation. Alice holds q[0] in the state ry(pi/3)|0> = cos(pi/6)|0> + sin(pi/6)|1> and
// sends it to Bob, who holds q[2], using the entangled pair q[1], q[2] and two classical bits.
// Bob's qubit, corrected by those bits, is then in Alice's state: measured, it reads 1 with
// probability sin^2(pi/6) = 1/4, whatever the two bits were (each is 0 or 1 half of the time).
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c0[1];   // Alice's measurement of q[1]: Bob applies x if it is 1
creg c1[1];   // Alice's measurement of q[0]: Bob applies z if it is 1
creg bob[1];  // Bob's qubit at the end
// the state to send
ry(pi/3) q[0];
// the shared pair (|00> + |11>) / sqrt(2) on q[1], q[2]
h q[1];
cx q[1],q[2];
barrier q;
// Alice measures q[0], q[1] in the Bell basis
cx q[0],q[1];
h q[0];
measure q[1] -> c0[0];
measure q[0] -> c1[0];
// Bob's corrections, controlled by Alice's bits
if(c0==1) x q[2];
if(c1==1) z q[2];
measure q[2] -> bob[0];
