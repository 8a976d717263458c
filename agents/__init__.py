"""innosim agents: enterprises (columnar), universities, incubators, investors, brokers and platforms."""
