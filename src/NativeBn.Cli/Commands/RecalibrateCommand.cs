using System.CommandLine;
using NativeBn.Data;
using NativeBn.Interop;
using NativeBn.Interop.Safetensors;
using NativeBn.Model;
using NativeBn.Model.Nodes;
using NativeBn.Mpi;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Cli.Commands;

/// <summary><c>nativebn recalibrate</c>: exact population statistics for every BatchNorm layer over a data set.</summary>
internal static class RecalibrateCommand
{
    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var model = CommonOptions.Model();
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the recalibrated model (the format follows the extension)" };
        var inPlace = new Option<bool>("--in-place") { Description = "Replace --model itself (atomically; the original stays intact on failure)" };
        var mpi = new Option<bool>("--mpi")
        {
            Description = "Run as one rank of an MPI job (mpirun -np K): {rank} in a data file name is replaced by the rank, so each rank reads its own shard; " +
                "without {rank} every rank reads the same data and takes its contiguous share. The result equals one process over all shards; rank 0 writes the model",
        };
        var architecture = CommonOptions.Architecture();
        var command = new Command("recalibrate", "Compute exact population statistics layer by layer over the training data and save them in the model")
        {
            model, output, inPlace, mpi, architecture,
        };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            FileInfo target = Target(parse, model, output, inPlace, architecture);
            if (parse.GetValue(mpi))
            {
                MpiJob.Run(context, (world, rankContext) => Distributed(parse, data, model, architecture, target, world, rankContext));
                return;
            }

            FileInfo modelFile = parse.GetValue(model)!;
            ModelDescription loaded = CommonOptions.Load(parse, model, "--model", architecture);
            ResolvedData resolved = data.ResolveForStatistics(parse, loaded.Input.Shape.ValuesPerSample);
            resolved.RequireInput(loaded.Input.Shape);
            var (train, _, description) = resolved;
            ModelDescription recalibrated;
            using (var progress = new ProgressBar(context.Error, context.ShowProgress) { Stage = "recalibrating" })
            {
                recalibrated = PopulationRecalibration.Run(loaded, train, progress);
            }

            Report(context, recalibrated, description, modelFile, target, parse.GetValue(architecture) is not null);
        }));
        return command;
    }

    private static void Distributed(
        ParseResult parse, DataOptions data, Option<FileInfo> model, Option<FileInfo?> architecture, FileInfo target, MpiCommunicator world, CliContext context)
    {
        FileInfo modelFile = parse.GetValue(model)!;
        bool sharded = data.IsSharded(parse);
        (Sequential network, Dataset shard, string description) = MpiJob.Agree(world, () =>
        {
            ModelDescription loaded = CommonOptions.Load(parse, model, "--model", architecture);
            ResolvedData resolved = data.Resolve(parse, world.Rank);
            resolved.RequireInput(loaded.Input.Shape);
            var (train, _, text) = resolved;
            return (new Sequential(loaded), sharded ? train : Share(train, world), text);
        });
        DistributedRecalibration.Run(network, shard, world);
        string source = sharded ? $"{world.Size} shards, {description} on rank 0" : $"{description}, shared by {world.Size} ranks";
        MpiJob.Agree(world, () =>
        {
            if (world.Rank == 0)
            {
                Report(context, network.ToDescription(), source, modelFile, target, parse.GetValue(architecture) is not null);
            }

            return true;
        });
    }

    /// <summary>Rank r's contiguous share of a data set every rank read whole.</summary>
    private static Dataset Share(Dataset data, MpiCommunicator world)
    {
        int first = (int)((long)data.Count * world.Rank / world.Size), end = (int)((long)data.Count * (world.Rank + 1) / world.Size);
        return data.Subset([.. Enumerable.Range(first, end - first)]);
    }

    /// <summary>Where the result goes: --output (checked before any work), or --model itself with --in-place.</summary>
    private static FileInfo Target(ParseResult parse, Option<FileInfo> model, Option<FileInfo?> output, Option<bool> inPlace, Option<FileInfo?> architecture)
    {
        FileInfo source = parse.GetValue(model)!;
        FileInfo? written = parse.GetValue(output);
        if (written is not null && parse.GetValue(inPlace))
        {
            throw new CliException("Give either --output or --in-place, not both.");
        }

        if (written is null && !parse.GetValue(inPlace))
        {
            throw new CliException("recalibrate writes the model to --output FILE, or replaces --model with --in-place.");
        }

        OutputFile.Check(written, "--output", (source, "--model"), (parse.GetValue(architecture), "--architecture"));
        return written ?? source;
    }

    /// <summary>Prints the statistics and writes the model; safetensors keep the source's naming (node names when read with an architecture).</summary>
    private static void Report(CliContext context, ModelDescription network, string description, FileInfo sourceFile, FileInfo targetFile, bool stateDict)
    {
        foreach (BatchNormNode node in network.BatchNorms)
        {
            context.Output.WriteLine($"BatchNorm {node.Name} ({node.Channels} channels): population statistics over {node.Population?.Count ?? 0} values per channel");
        }

        string target = targetFile.FullName;
        SafetensorsNaming naming = stateDict ? SafetensorsNaming.PyTorchNodeNames
            : Path.GetExtension(sourceFile.Name).Equals(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafetensorsModels.NamingOf(sourceFile.FullName)
            : SafetensorsNaming.PyTorch;
        ModelFormats.Save(network, target, naming, NormalizationStatistics.Population);
        context.Output.WriteLine($"data: {description}");
        context.Output.WriteLine($"wrote {target}");
    }
}
