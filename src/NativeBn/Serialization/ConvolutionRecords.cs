using System.Runtime.InteropServices;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Serialization;

/// <summary>
/// The model file's records for the layers that slide a window over <c>[N, C, H, W]</c>: Conv2d and pooling, each
/// with a window record (see <c>docs/model-format.md</c>).
/// </summary>
internal static class ConvolutionRecords
{
    private const int MaxWindow = 1 << 16;

    public static void WriteConv(BinaryWriter writer, Conv2dNode conv)
    {
        writer.Write(conv.InputChannels);
        writer.Write(conv.OutputChannels);
        writer.Write(conv.Groups);
        WriteWindow(writer, conv.Window);
        writer.Write((byte)(conv.HasBias ? 1 : 0));
        writer.Write(MemoryMarshal.AsBytes(conv.Weight.AsSpan()));
        if (conv.HasBias)
        {
            writer.Write(MemoryMarshal.AsBytes(conv.Bias.AsSpan()));
        }
    }

    /// <summary>Reads a Conv2d record; <paramref name="channels"/> is axis 1 of the input, which the record must match.</summary>
    public static Conv2dNode ReadConv(ref BinaryCursor cursor, string name, string input, int channels)
    {
        int inputs = cursor.Count($"the input channels of node '{name}'", channels, channels);
        int outputs = cursor.Count($"the output channels of node '{name}'", 1, ModelFile.MaxWidth);
        int groups = cursor.Count($"the groups of node '{name}'", 1, inputs);
        Window2d window = ReadWindow(ref cursor, name);
        bool hasBias = Flag(ref cursor, $"the bias flag of node '{name}'");
        long count = (long)outputs * (inputs / groups);
        if (count > cursor.Remaining / 4 / window.KernelHeight / window.KernelWidth)
        {
            throw cursor.Invalid($"node '{name}' declares [{outputs}, {inputs / groups}, {window.KernelHeight}, {window.KernelWidth}] weights; the file is shorter.");
        }

        count *= window.KernelHeight * window.KernelWidth;
        float[] weight = cursor.Floats(count, $"the weights of node '{name}'");
        float[] bias = hasBias ? cursor.Floats(outputs, $"the bias of node '{name}'") : [];
        return new Conv2dNode(name, input, inputs, outputs, window, groups, weight, bias);
    }

    public static void WritePool(BinaryWriter writer, PoolNode pool)
    {
        writer.Write((byte)pool.Pool);
        WriteWindow(writer, pool.Window);
        writer.Write((byte)(pool.CeilMode ? 1 : 0));
        writer.Write((byte)(pool.CountIncludePad ? 1 : 0));
    }

    public static PoolNode ReadPool(ref BinaryCursor cursor, string name, string input)
    {
        byte kind = cursor.Byte($"the pooling of node '{name}'");
        if (kind > (byte)PoolKind.Average)
        {
            throw cursor.Invalid($"node '{name}' has unknown pooling {kind}.");
        }

        Window2d window = ReadWindow(ref cursor, name);
        bool ceil = Flag(ref cursor, $"the ceil mode of node '{name}'");
        bool countIncludePad = Flag(ref cursor, $"count_include_pad of node '{name}'");
        return new PoolNode(name, input, (PoolKind)kind, window, ceil, countIncludePad);
    }

    private static void WriteWindow(BinaryWriter writer, Window2d w)
    {
        foreach (int value in new[]
        {
            w.KernelHeight, w.KernelWidth, w.StrideHeight, w.StrideWidth,
            w.PadTop, w.PadLeft, w.PadBottom, w.PadRight, w.DilationHeight, w.DilationWidth,
        })
        {
            writer.Write(value);
        }
    }

    private static Window2d ReadWindow(ref BinaryCursor cursor, string name)
    {
        int Size(ref BinaryCursor c, string what) => c.Count($"the {what} of node '{name}'", 1, MaxWindow);
        int Pad(ref BinaryCursor c, string what) => c.Count($"the {what} of node '{name}'", 0, MaxWindow);
        int kernelHeight = Size(ref cursor, "kernel height"), kernelWidth = Size(ref cursor, "kernel width");
        int strideHeight = Size(ref cursor, "stride height"), strideWidth = Size(ref cursor, "stride width");
        int padTop = Pad(ref cursor, "top padding"), padLeft = Pad(ref cursor, "left padding");
        int padBottom = Pad(ref cursor, "bottom padding"), padRight = Pad(ref cursor, "right padding");
        int dilationHeight = Size(ref cursor, "dilation height"), dilationWidth = Size(ref cursor, "dilation width");
        return new Window2d(kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft, padBottom, padRight, dilationHeight, dilationWidth);
    }

    private static bool Flag(ref BinaryCursor cursor, string what) => cursor.Byte(what) switch
    {
        0 => false,
        1 => true,
        byte other => throw cursor.Invalid($"{what} is {other}; expected 0 or 1."),
    };
}
