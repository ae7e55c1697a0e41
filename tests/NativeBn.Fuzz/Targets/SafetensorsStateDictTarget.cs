using NativeBn.Interop.Safetensors;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// A CNN's <c>state_dict</c> as safetensors applied to its architecture (<see cref="SeedModels.Convolutional"/>), with
/// the mutations of <see cref="SafetensorsTarget"/> (shapes, offsets, dtypes, renamed and removed tensors, metadata).
/// </summary>
internal sealed class SafetensorsStateDictTarget : IFuzzTarget
{
    private readonly SafetensorsTarget _format = new();

    public string Name => "safetensors state_dict";

    public IReadOnlyList<byte[]> Seeds { get; } = [SafetensorsStateDict.Export(SeedModels.Convolutional)];

    public byte[] Mutate(byte[] seed, Random random) => _format.Mutate(seed, random);

    public void Load(byte[] input) => SafetensorsStateDict.Apply(SeedModels.Convolutional, input, "fuzz.safetensors");

    public bool PastHeader(byte[] input) => _format.PastHeader(input);
}
