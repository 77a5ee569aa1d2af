// Package bench compares the cost of loading a configuration with cloudcfg
// against the same work wired by hand with its peers: viper, koanf and,
// for the environment alone, caarlos0/env. It is a module of its own so
// that the peers never become dependencies of cloudcfg.
//
// Every loader reads the same inputs from testdata and the environment,
// fills the same struct types, validates them with the same rules, and is
// checked against the same expected values on every iteration. Run the
// suite with "make bench" from the repository root; docs/benchmarks.md
// holds the results.
package bench
