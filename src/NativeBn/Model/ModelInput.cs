namespace NativeBn.Model;

/// <summary>A graph input of a model: its name and shape.</summary>
/// <param name="Name">The tensor's name, unique in the model.</param>
/// <param name="Shape">Its shape, usually <c>[N, ...]</c>.</param>
public sealed record ModelInput(string Name, ShapeInfo Shape);
