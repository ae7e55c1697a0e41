using System.CommandLine;
using NativeBn.Interop;
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
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the recalibrated model (default: replace --model)" };
        var command = new Command("recalibrate", "Compute exact population statistics layer by layer over the training data and save them in the model") { model, output };
        data.AddTo(command);
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            FileInfo modelFile = parse.GetValue(model)!;
            Sequential network = ModelFormats.Load(modelFile.FullName);
            var (train, _, description) = data.Resolve(parse);
            if (train.Width != network.InputWidth)
            {
                throw new CliException($"The data has {train.Width} features per sample; the model takes {network.InputWidth}.");
            }

            using (var progress = new ProgressBar(context.Error, context.ShowProgress) { Stage = "recalibrating" })
            {
                PopulationRecalibration.Run(network, train, progress);
            }

            foreach (BatchNormLayer layer in network.BatchNormLayers)
            {
                context.Output.WriteLine($"BatchNorm ({layer.OutputWidth} channels): population statistics over {layer.BatchNorm.PopulationCount} values per channel");
            }

            FileInfo targetFile = parse.GetValue(output) ?? modelFile;
            string target = targetFile.FullName;
            ModelFormats.Save(network, target, Interop.Safetensors.SafetensorsNaming.PyTorch, NormalizationStatistics.Population);
            context.Output.WriteLine($"data: {description}");
            context.Output.WriteLine($"wrote {target}");
        }));
        return command;
    }
}
