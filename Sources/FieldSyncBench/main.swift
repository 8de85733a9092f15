try StoreBenchmark.run(arguments: Array(CommandLine.arguments.dropFirst()))
