using BenchmarkDotNet.Running;
using Portal.Bench;

BenchmarkSwitcher.FromAssembly(typeof(EventAppendBenchmarks).Assembly).Run(args);
