using System.Globalization;
using NativeBn.Fuzz;
using NativeBn.Fuzz.Targets;

// Structure-aware fuzzing of every reader: dotnet run -c Release --project tests/NativeBn.Fuzz [-- --cases N] [--seed S] [--target NAME]
// One line per format, then "N passed, M failed" (one check per format). --target runs one format (CSV, IDX, NPY, ...).
int cases = 100_000, seed = 1;
string? only = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--cases":
            cases = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--seed":
            seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--target":
            only = args[i + 1];
            break;
        default:
            Console.WriteLine($"unknown option {args[i]}; use --cases N, --seed S and --target NAME");
            return 2;
    }
}

IFuzzTarget[] all = [new ModelFileTarget(), new OnnxTarget(), new SafetensorsTarget(), new SafetensorsStateDictTarget(), new CsvTarget(), new IdxTarget(), new NpyTarget()];
IFuzzTarget[] targets = [.. all.Where(t => only is null || string.Equals(t.Name, only, StringComparison.OrdinalIgnoreCase))];
if (targets.Length == 0)
{
    Console.WriteLine($"no target named {only}; the targets are {string.Join(", ", all.Select(t => t.Name))}");
    return 2;
}

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
