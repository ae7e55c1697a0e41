using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Serialization;

/// <summary>
/// Reads format version 1 of the model file: a sequential classifier (input width, then Dense, BatchNorm, ReLU and
/// Dropout records in order). Layers become nodes named by their position, reading a graph input named <c>input</c>;
/// a Softmax node is appended because models of that version always predicted class probabilities.
/// </summary>
internal static class ModelFileVersion1
{
    private const int MaxLayers = 4096;

    public static ModelDescription Read(ref BinaryCursor cursor)
    {
        int inputWidth = cursor.Count("the input width", 1, ModelFile.MaxWidth);
        int layerCount = cursor.Count("the layer count", 1, MaxLayers);
        var nodes = new List<ModelNode>();
        int width = inputWidth;
        string previous = "input";
        for (int i = 0; i < layerCount; i++)
        {
            string name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            byte kind = cursor.Byte($"the kind of layer {i}");
            ModelNode node;
            try
            {
                switch (kind)
                {
                    case 1:
                        var dense = ModelFile.ReadDense(ref cursor, name, previous, width);
                        width = dense.OutputFeatures;
                        node = dense;
                        break;
                    case 2:
                        node = BatchNormRecord.Read(ref cursor, name, previous, width);
                        break;
                    case 3:
                        cursor.Count($"the width of layer {i}", width, width);
                        node = new ReluNode(name, previous);
                        break;
                    case 4:
                        cursor.Count($"the width of layer {i}", width, width);
                        node = new DropoutNode(name, previous, cursor.Double($"the rate of layer {i}"));
                        break;
                    default:
                        throw cursor.Invalid($"layer {i} has unknown kind {kind}.");
                }
            }
            catch (ArgumentException e)
            {
                throw cursor.Invalid($"layer {i}: {e.Message}");
            }

            nodes.Add(node);
            previous = name;
        }

        string softmax = layerCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        nodes.Add(new SoftmaxNode(softmax, previous));
        return new ModelDescription([new ModelInput("input", ShapeInfo.Features(inputWidth))], nodes, [softmax]);
    }
}
