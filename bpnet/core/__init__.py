"""The maths, numpy only: activations, losses, optimizers, the network and its backprop,
input checks, errors, and the notation every number and name is written in. Nothing here
imports anything else of bpnet."""
