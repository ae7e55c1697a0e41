using System.Globalization;
using NativeBn.Fuzz;
using NativeBn.Fuzz.Targets;

// Structure-aware fuzzing of every reader: dotnet run -c Release --project tests/NativeBn.Fuzz [-- --cases N] [--seed S]
// One line per format, then "N passed, M failed" (one check per format).
int cases = 100_000, seed = 1;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--cases":
            cases = value;
            break;
        case "--seed":
            seed = value;
            break;
        default:
            Console.WriteLine($"unknown option {args[i]}; use --cases N and --seed S");
            return 2;
    }
}

IFuzzTarget[] targets = [new ModelFileTarget(), new OnnxTarget(), new SafetensorsTarget(), new SafetensorsStateDictTarget(), new CsvTarget(), new IdxTarget()];
int passed = 0, failed = 0;
foreach (IFuzzTarget target in targets)
{
    if (FuzzRunner.Run(target, cases, seed, Console.Out))
    {
        passed++;
    }
    else
    {
        failed++;
    }
}

Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;
