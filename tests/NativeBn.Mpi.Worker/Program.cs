using System.Globalization;
using NativeBn.Mpi;
using NativeBn.Mpi.Worker;

// One rank of an MPI test scenario: worker SCENARIO OUT ARGS... (see the scenario classes).
using MpiSession session = MpiSession.Start();
MpiCommunicator world = session.World;
string scenario = args[0], output = args[1];
int[] Sizes(int skip) => [.. args.Skip(skip).Select(a => int.Parse(a, CultureInfo.InvariantCulture))];
switch (scenario)
{
    case "syncbn":
        SyncBatchNormScenario.Run(world, output, args[2], Sizes(3));
        break;
    case "population":
        PopulationScenario.Run(world, output, Sizes(2));
        break;
    case "dataparallel":
        DataParallelScenario.Run(world, output, args[2] == "sync");
        break;
    case "failure":
        FailureScenario.Run(world, output);
        break;
    default:
        Console.Error.WriteLine($"unknown scenario {scenario}");
        return 2;
}

return 0;
