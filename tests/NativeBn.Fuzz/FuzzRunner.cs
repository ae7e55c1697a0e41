using System.Diagnostics;
using System.Globalization;
using NativeBn.Data;

namespace NativeBn.Fuzz;

/// <summary>
/// Runs a target's cases: every case must end in a successful load or a <see cref="DataFormatException"/>, within
/// <see cref="MaxCaseTime"/>, allocating at most 16 times its input plus 1 MiB on the loading thread.
/// </summary>
internal static class FuzzRunner
{
    public static readonly TimeSpan MaxCaseTime = TimeSpan.FromSeconds(1);

    public static bool Run(IFuzzTarget target, int cases, int seed, TextWriter log)
    {
        var random = new Random(seed);
        int loaded = 0, rejected = 0, pastHeader = 0, unexpected = 0, tooSlow = 0, tooHungry = 0;
        double slowest = 0, worstShare = 0;
        foreach (byte[] valid in target.Seeds)
        {
            target.Load(valid);
        }

        for (int i = 0; i < cases; i++)
        {
            byte[] seedInput = target.Seeds[random.Next(target.Seeds.Count)];
            byte[] input = target.Mutate(seedInput, random);
            if (target.PastHeader(input))
            {
                pastHeader++;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            try
            {
                target.Load(input);
                loaded++;
            }
            catch (DataFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                if (unexpected++ < 5)
                {
                    log.WriteLine($"  {target.Name} case {i}: unexpected {e.GetType().Name}: {e.Message}");
                    log.WriteLine($"    input (base64): {Convert.ToBase64String(input)}");
                    log.WriteLine($"    {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
                }
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            slowest = Math.Max(slowest, seconds);
            long bound = 16L * input.Length + (1 << 20);
            worstShare = Math.Max(worstShare, (double)allocated / bound);
            if (seconds > MaxCaseTime.TotalSeconds)
            {
                tooSlow++;
            }

            if (allocated > bound)
            {
                if (tooHungry++ < 3)
                {
                    log.WriteLine($"  {target.Name} case {i}: allocated {allocated} bytes for an input of {input.Length}");
                }
            }
        }

        double share = (double)pastHeader / cases;
        bool passed = unexpected == 0 && tooSlow == 0 && tooHungry == 0 && share >= 0.2;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(passed ? "ok  " : "FAIL")} {target.Name}: {cases} cases, {share:P1} past the header, {loaded} loaded, {rejected} rejected with DataFormatException, " +
            $"{unexpected} unexpected exceptions, slowest {slowest * 1000:F1} ms, {tooSlow} over 1 s, at most {worstShare:P0} of the allocation bound (16x the input + 1 MiB), {tooHungry} over it"));
        return passed;
    }
}
