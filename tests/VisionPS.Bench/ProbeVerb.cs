using System;
using System.Diagnostics;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;

namespace VisionPS.Bench
{
    /// <summary>probe [--repeat N] FILE...: reads headers only; prints one line per file, then probes per second.</summary>
    internal static class ProbeVerb
    {
        public static Task<int> RunAsync(string[] args)
        {
            int repeat = 1, start = 0;
            if (args.Length > 1 && args[0] == "--repeat")
            {
                repeat = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
                start = 2;
            }
            var sw = Stopwatch.StartNew();
            int n = 0, failed = 0;
            for (int r = 0; r < repeat; r++)
            {
                for (int i = start; i < args.Length; i++)
                {
                    try
                    {
                        ImageHeader h = ImageProbe.Probe(args[i]);
                        if (r == 0)
                        {
                            Console.WriteLine($"{args[i]}\t{h.Format}\t{h.Width}x{h.Height}\to{h.Orientation}\t{h.ColorType}/{h.BitDepth}\talpha={h.HasAlpha}\tframes={h.FrameCount}\t{h.Mime}");
                        }
                    }
                    catch (ImageProcessingException ex)
                    {
                        failed++;
                        if (r == 0)
                        {
                            Console.WriteLine($"{args[i]}\t{ex.Reason}\t{ex.Message}");
                        }
                    }
                    n++;
                }
            }
            Console.WriteLine($"probes={n} failed={failed} seconds={sw.Elapsed.TotalSeconds:0.000} perSecond={n / sw.Elapsed.TotalSeconds:0}");
            return Task.FromResult(0);
        }
    }
}
