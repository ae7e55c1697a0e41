namespace NativeBn;

/// <summary>
/// The shape and layout of a batch handed to the engine. For <see cref="TensorLayout.NC"/>, <see cref="Height"/>
/// and <see cref="Width"/> are 1. Create shapes with <see cref="Features"/>, <see cref="ChannelsFirst"/> or
/// <see cref="ChannelsLast"/>, which validate their arguments.
/// </summary>
public readonly record struct TensorShape
{
    private TensorShape(TensorLayout layout, int batch, int channels, int height, int width)
    {
        Layout = layout;
        Batch = batch;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Memory layout.</summary>
    public TensorLayout Layout { get; }

    /// <summary>Number of samples N.</summary>
    public int Batch { get; }

    /// <summary>Number of channels C (features for <see cref="TensorLayout.NC"/>).</summary>
    public int Channels { get; }

    /// <summary>Spatial height H (1 for <see cref="TensorLayout.NC"/>).</summary>
    public int Height { get; }

    /// <summary>Spatial width W (1 for <see cref="TensorLayout.NC"/>).</summary>
    public int Width { get; }

    /// <summary>H·W, the number of values per channel in one sample.</summary>
    public int SpatialSize => Height * Width;

    /// <summary>N·H·W, the number of values that each channel's statistics are taken over.</summary>
    public long ValuesPerChannel => (long)Batch * Height * Width;

    /// <summary>N·C·H·W, the number of floats a buffer of this shape holds.</summary>
    public long ElementCount => ValuesPerChannel * Channels;

    /// <summary>A feature batch <c>[N, C]</c>.</summary>
    public static TensorShape Features(int batch, int channels) => Create(TensorLayout.NC, batch, channels, 1, 1);

    /// <summary>A channels-first batch <c>[N, C, H, W]</c>.</summary>
    public static TensorShape ChannelsFirst(int batch, int channels, int height, int width) =>
        Create(TensorLayout.NCHW, batch, channels, height, width);

    /// <summary>A channels-last batch <c>[N, H, W, C]</c>.</summary>
    public static TensorShape ChannelsLast(int batch, int height, int width, int channels) =>
        Create(TensorLayout.NHWC, batch, channels, height, width);

    /// <summary>The same layout and per-sample shape with another batch size.</summary>
    public TensorShape WithBatch(int batch) => Create(Layout, batch, Channels, Height, Width);

    /// <summary>Shape in its layout's axis order, e.g. <c>NCHW [2, 3, 4, 5]</c>.</summary>
    public override string ToString() => Layout switch
    {
        TensorLayout.NC => $"NC [{Batch}, {Channels}]",
        TensorLayout.NCHW => $"NCHW [{Batch}, {Channels}, {Height}, {Width}]",
        TensorLayout.NHWC => $"NHWC [{Batch}, {Height}, {Width}, {Channels}]",
        _ => $"{Layout} [{Batch}, {Channels}, {Height}, {Width}]",
    };

    private static TensorShape Create(TensorLayout layout, int batch, int channels, int height, int width)
    {
        Positive(batch, nameof(batch));
        Positive(channels, nameof(channels));
        Positive(height, nameof(height));
        Positive(width, nameof(width));
        long elements = (long)batch * channels;
        elements = elements > Array.MaxLength ? elements : elements * height;
        elements = elements > Array.MaxLength ? elements : elements * width;
        if (elements > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(batch),
                $"The shape (batch {batch}, channels {channels}, height {height}, width {width}) holds more than {Array.MaxLength} elements, the most a buffer holds.");
        }

        return new TensorShape(layout, batch, channels, height, width);
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1, got {value}.");
        }
    }

    /// <summary>Throws unless this shape was built by a factory (a <c>default</c> shape has zero sizes).</summary>
    public void EnsureValid(string paramName)
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0)
        {
            throw new ArgumentException(
                $"{paramName} is not a valid shape ({this}); create shapes with TensorShape.Features, ChannelsFirst or ChannelsLast.",
                paramName);
        }
    }
}
