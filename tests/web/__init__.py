"""The imitation web: local county sites of several CMS families (one module each in `families/`), served on
127.0.0.1 for the tests, the benchmarks and `nianbao demo`. Not part of the product: nothing in crawler/,
parsers/ or storage/ imports it except the demo, lazily."""
