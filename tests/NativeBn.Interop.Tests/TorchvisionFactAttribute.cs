namespace NativeBn.Interop.Tests;

/// <summary>A test of the generated torchvision fixtures: skipped only where NATIVEBN_TORCH_FIXTURES is unset (CI sets it, and the test fails if the files are missing).</summary>
public sealed class TorchvisionFactAttribute : FactAttribute
{
    public TorchvisionFactAttribute()
    {
        if (TorchFixtures.Generated is null)
        {
            Skip = $"{TorchFixtures.Variable} is unset: generate torchvision's models with /usr/bin/python3 tests/pytorch/export_models.py DIR --torchvision and set it to DIR";
        }
    }
}
