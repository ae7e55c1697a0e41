namespace NativeBn.Interop.Safetensors;

/// <summary>How tensors are named and laid out in a safetensors file.</summary>
public enum SafetensorsNaming
{
    /// <summary>
    /// PyTorch <c>nn.Sequential</c> <c>state_dict</c> names, numbered by layer: <c>0.weight</c> <c>[out, in]</c>, <c>0.bias</c>,
    /// <c>1.weight</c> (gamma), <c>1.bias</c> (beta), <c>1.running_mean</c>, <c>1.running_var</c>, <c>1.num_batches_tracked</c> (I64 scalar).
    /// </summary>
    PyTorch,

    /// <summary>
    /// Keras layer weights under Keras' default layer names: <c>dense.kernel</c> <c>[in, out]</c> (the transpose of PyTorch's),
    /// <c>dense.bias</c>, <c>batch_normalization.gamma</c>, <c>.beta</c>, <c>.moving_mean</c>, <c>.moving_variance</c>, then
    /// <c>dense_1</c>, <c>batch_normalization_1</c>, ...
    /// </summary>
    Keras,

    /// <summary>
    /// A PyTorch <c>state_dict</c> of any model (convolutions, graphs) under the model's node names, which for a model
    /// imported from PyTorch's ONNX export are the modules' prefixes: <c>layer1.0.conv1.weight</c> <c>[out, in/groups, kH, kW]</c>,
    /// <c>layer1.0.bn1.running_var</c>, <c>fc.weight</c> <c>[out, in]</c>, ... (see <see cref="SafetensorsStateDict"/>).
    /// Reading needs the architecture.
    /// </summary>
    PyTorchNodeNames,
}
