"""innosim agents: the ``World`` protocol, enterprises (columnar) and their rules, universities, incubators,
investors, brokers and platforms."""
