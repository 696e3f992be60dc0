"""What records and explains an update: the micro-step trace, the scalar autograd, the
mistake catalogue and the activation readings. Imports only ``bpnet.core``."""
