using NativeBn.Network;

namespace NativeBn.Mpi;

/// <summary>
/// An <see cref="IOptimizer"/> for data-parallel training: sums every parameter's gradient over all ranks (in double,
/// reduced on rank 0 and broadcast, so every rank applies the same bits), then lets the inner optimizer update with the
/// sums. With <see cref="Sequential.TrainStep(ReadOnlySpan{float}, ReadOnlySpan{int}, IOptimizer, int)"/> each rank's
/// gradient is its share of the whole batch's, so the sum is the whole batch's gradient. Parameters listed as already
/// summed (gamma and beta of synchronized BatchNorm layers, whose gradients are the whole batch's on every rank) are
/// passed through. Buffers are sized on the first step; later steps allocate nothing.
/// </summary>
public sealed class GradientSummingOptimizer : IOptimizer
{
    private readonly IOptimizer _inner;
    private readonly MpiCommunicator _communicator;
    private readonly HashSet<Parameter> _alreadySummed;
    private IReadOnlyList<Parameter>? _parameters;
    private Parameter[] _summed = [];
    private double[] _send = [];
    private double[] _receive = [];

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="alreadySummed"/> parameters are not summed again.</summary>
    public GradientSummingOptimizer(IOptimizer inner, MpiCommunicator communicator, IEnumerable<Parameter>? alreadySummed = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(communicator);
        _inner = inner;
        _communicator = communicator;
        _alreadySummed = [.. alreadySummed ?? []];
    }

    /// <inheritdoc />
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_parameters is null)
        {
            Prepare(parameters);
        }
        else if (!ReferenceEquals(parameters, _parameters))
        {
            throw new ArgumentException("Step must receive the same parameter list on every call.", nameof(parameters));
        }

        int offset = 0;
        foreach (Parameter parameter in _summed)
        {
            if (parameter is SummedParameter summed)
            {
                ReadOnlySpan<float> gradient = summed.Original.Gradient;
                for (int i = 0; i < gradient.Length; i++)
                {
                    _send[offset + i] = gradient[i];
                }

                offset += gradient.Length;
            }
        }

        _communicator.Sum(_send, _receive);
        offset = 0;
        foreach (Parameter parameter in _summed)
        {
            if (parameter is SummedParameter summed)
            {
                Span<float> gradient = summed.Sum;
                for (int i = 0; i < gradient.Length; i++)
                {
                    gradient[i] = (float)_receive[offset + i];
                }

                offset += gradient.Length;
            }
        }

        _inner.Step(_summed);
    }

    private void Prepare(IReadOnlyList<Parameter> parameters)
    {
        _parameters = parameters;
        _summed = [.. parameters.Select(p => _alreadySummed.Contains(p) ? p : new SummedParameter(p))];
        int total = _summed.OfType<SummedParameter>().Sum(p => p.Length);
        _send = new double[total];
        _receive = new double[total];
    }

    /// <summary>A parameter whose gradient is the sum over ranks; values are the original's.</summary>
    private sealed class SummedParameter(Parameter original) : Parameter
    {
        private readonly float[] _sum = new float[original.Length];

        public Parameter Original => original;

        public Span<float> Sum => _sum;

        public override string Name => original.Name;

        public override int Length => original.Length;

        public override ReadOnlySpan<float> Gradient => _sum;

        public override bool IsTrainable => original.IsTrainable;

        public override Span<float> Values() => original.Values();
    }
}
