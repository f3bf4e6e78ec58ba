using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;

namespace VisionPS.Bench
{
    /// <summary>
    /// fuzz [--cases N] [--seed S] [--findings DIR] [--timeout-ms T] [--repair] FILE...
    ///   A deterministic mutation fuzzer of the image core. Case i mutates one of the seed FILEs with bit flips,
    ///   truncations, length-field edits, chunk shuffles and range duplications, all drawn from Random(seed, i).
    ///   The decoders run in a CHILD process (fuzz-worker); this supervisor restarts it after a native crash or a hang,
    ///   records the case as a finding (its bytes go to --findings DIR), and goes on.
    ///   Every case must end in a prepared image or an ImageProcessingException; anything else is a finding.
    ///   --repair: a mutated PNG gets its chunk CRCs made right again, and half the PNG cases mutate the inflated pixel
    ///   stream itself (filter bytes, samples, its length) and deflate it again, so the damage reaches the stream proof,
    ///   the scanline readers and the decoders instead of stopping at a CRC; odd cases are prepared with -AllowPartial.
    ///   Prints one summary JSON line: cases, prepared, rejected, findings, crashes, hangs, workerPeakRssMb, seconds.
    ///   Exit code 0 when there are no findings, 1 otherwise.
    /// fuzz-worker --seed S --from I --to J FILE...   (internal: runs cases, one line each: "start I", "done I ok|err")
    /// </summary>
    internal static class FuzzVerb
    {
        public static async Task<int> RunAsync(string[] args)
        {
            int cases = 2000, timeoutMs = 20000;
            int seed = 1;
            string? findings = null;
            var files = new List<string>();
            bool repair = false;
            const string Usage = "usage: fuzz [--cases N] [--seed S] [--findings DIR] [--timeout-ms T] [--repair] FILE...";
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    switch (args[i])
                    {
                        case "--cases": cases = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                        case "--findings": findings = args[++i]; break;
                        case "--timeout-ms": timeoutMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                        case "--repair": repair = true; break;
                        case var option when option.StartsWith("-", StringComparison.Ordinal):
                            Console.Error.WriteLine($"fuzz: unknown option '{option}'\n{Usage}");
                            return 2;
                        default: files.Add(args[i]); break;
                    }
                }
            }
            catch (Exception ex) when (ex is FormatException || ex is OverflowException || ex is IndexOutOfRangeException)
            {
                Console.Error.WriteLine($"fuzz: an option lacks its number\n{Usage}");
                return 2;
            }
            if (files.Count == 0)
            {
                Console.Error.WriteLine($"fuzz: no seed files\n{Usage}");
                return 2;
            }
            string? missing = files.FirstOrDefault(f => !File.Exists(f));
            if (missing is not null)
            {
                Console.Error.WriteLine($"fuzz: no such seed file '{missing}'");
                return 2;
            }
            if (findings is not null)
            {
                Directory.CreateDirectory(findings);
            }
            byte[][] seeds = files.Select(File.ReadAllBytes).ToArray();
            var sw = Stopwatch.StartNew();
            int next = 0, prepared = 0, rejected = 0, crashes = 0, hangs = 0;
            long peakRss = 0;
            var found = new List<string>();
            while (next < cases)
            {
                var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet")
                {
                    psi.ArgumentList.Add(typeof(FuzzVerb).Assembly.Location);
                }
                foreach (string a in new[] { "fuzz-worker", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--from",
                    next.ToString(CultureInfo.InvariantCulture), "--to", cases.ToString(CultureInfo.InvariantCulture) })
                {
                    psi.ArgumentList.Add(a);
                }
                if (repair)
                {
                    psi.ArgumentList.Add("--repair");
                }
                foreach (string f in files)
                {
                    psi.ArgumentList.Add(f);
                }
                using var child = Process.Start(psi)!;
                _ = child.StandardError.ReadToEndAsync();
                int current = -1;
                bool finished = false;
                while (true)
                {
                    Task<string?> line = child.StandardOutput.ReadLineAsync();
                    if (await Task.WhenAny(line, Task.Delay(timeoutMs)).ConfigureAwait(false) != line)
                    {
                        hangs++;
                        Record(found, findings, seeds, seed, repair, current, "hang", $"no answer within {timeoutMs} ms");
                        try { child.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                        next = current + 1;
                        break;
                    }
                    string? text = await line.ConfigureAwait(false);
                    if (text is null)
                    {
                        child.WaitForExit();
                        if (current >= 0 && !finished)
                        {
                            crashes++;
                            Record(found, findings, seeds, seed, repair, current, "crash", $"worker exited with {child.ExitCode} during the case");
                            next = current + 1;
                        }
                        else
                        {
                            next = cases;
                        }
                        break;
                    }
                    string[] parts = text.Split(' ', 4);
                    if (parts[0] == "start")
                    {
                        current = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        finished = false;
                    }
                    else if (parts[0] == "done")
                    {
                        finished = true;
                        if (parts[2] == "ok") { prepared++; }
                        else if (parts[2] == "err") { rejected++; }
                        else { Record(found, findings, seeds, seed, repair, current, "bug", parts.Length > 3 ? parts[3] : parts[2]); }
                    }
                    else if (parts[0] == "rss")
                    {
                        peakRss = Math.Max(peakRss, long.Parse(parts[1], CultureInfo.InvariantCulture));
                    }
                }
            }
            Console.WriteLine(
                $"{{\"summary\":true,\"cases\":{cases},\"seed\":{seed},\"prepared\":{prepared},\"rejected\":{rejected}," +
                $"\"findings\":{found.Count},\"crashes\":{crashes},\"hangs\":{hangs},\"workerPeakRssMb\":{peakRss / (1024 * 1024)}," +
                $"\"seconds\":{sw.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}}}");
            foreach (string f in found)
            {
                Console.WriteLine(f);
            }
            return found.Count == 0 ? 0 : 1;
        }

        private static void Record(List<string> found, string? dir, byte[][] seeds, int seed, bool repair, int index, string kind, string detail)
        {
            string line = $"{{\"finding\":\"{kind}\",\"case\":{index},\"detail\":{System.Text.Json.JsonSerializer.Serialize(detail)}}}";
            found.Add(line);
            if (dir is not null && index >= 0)
            {
                File.WriteAllBytes(Path.Combine(dir, $"case-{seed}-{index}.bin"), Mutator.Case(seeds, seed, index, repair).Bytes);
            }
        }

        /// <summary>The child: runs cases [from, to) and reports each before and after, so a crash names its case.</summary>
        public static int Worker(string[] args)
        {
            int seed = 1, from = 0, to = 0;
            bool repair = false;
            var files = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--from": from = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--to": to = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--repair": repair = true; break;
                    default: files.Add(args[i]); break;
                }
            }
            byte[][] seeds = files.Select(File.ReadAllBytes).ToArray();
            // Small budgets keep each case quick; the point is that limits hold, not that big images decode.
            var options = new PrepareOptions { MaxSide = 512 };
            options.Budget.MaxDecodedPixels = 16_000_000;
            options.Budget.MaxSourcePixels = 200_000_000;
            var partial = new PrepareOptions { MaxSide = 512, AllowPartial = true };
            partial.Budget.MaxDecodedPixels = 16_000_000;
            partial.Budget.MaxSourcePixels = 200_000_000;
            var stdout = Console.Out;
            for (int i = from; i < to; i++)
            {
                (byte[] bytes, string label) = Mutator.Case(seeds, seed, i, repair);
                stdout.WriteLine($"start {i}");
                stdout.Flush();
                string outcome;
                try
                {
                    ImageProbe.Probe(bytes, label);
                }
                catch (ImageProcessingException)
                {
                }
                catch (Exception ex)
                {
                    stdout.WriteLine($"done {i} bug probe {ex.GetType().Name}: {Flat(ex.Message)}");
                    stdout.Flush();
                    continue;
                }
                try
                {
                    PreparedImage image = ImagePreparer.Prepare(bytes, label, repair && i % 2 == 1 ? partial : options);
                    outcome = image.Bytes.Length > 0 ? "ok" : "bug empty-output";
                }
                catch (ImageProcessingException)
                {
                    outcome = "err";
                }
                catch (Exception ex)
                {
                    outcome = $"bug {ex.GetType().Name}: {Flat(ex.Message)}";
                }
                stdout.WriteLine($"done {i} {outcome}");
                if (i % 200 == 0)
                {
                    stdout.WriteLine($"rss {Process.GetCurrentProcess().PeakWorkingSet64}");
                }
                stdout.Flush();
            }
            stdout.WriteLine($"rss {Process.GetCurrentProcess().PeakWorkingSet64}");
            stdout.Flush();
            return 0;
        }

        private static string Flat(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
    }

    /// <summary>Deterministic mutations of seed files: case i depends only on (seed, i) and the seed files.</summary>
    internal static class Mutator
    {
        public static (byte[] Bytes, string Label) Case(byte[][] seeds, int seed, int index, bool repair = false)
        {
            var rng = new Random(unchecked((seed * 1_000_003) ^ (index * 7919) ^ 0x5bd1e995));
            int pick = rng.Next(seeds.Length);
            byte[] data = (byte[])seeds[pick].Clone();
            bool png = repair && ImageProbe.Sniff(data) == ImageFormat.Png;
            if (png && rng.Next(2) == 0)
            {
                return (PngChunkCrcs(PixelStream(data, rng)), $"fuzz-{seed}-{index}-s{pick}-pixels");
            }
            (byte[] mutated, string label) = Mutate(data, rng, seed, index, pick);
            return png ? (PngChunkCrcs(mutated), label + "+crc") : (mutated, label);
        }

        private static (byte[] Bytes, string Label) Mutate(byte[] data, Random rng, int seed, int index, int pick)
        {
            int rounds = 1 + rng.Next(3);
            var done = new List<string>();
            for (int r = 0; r < rounds && data.Length > 0; r++)
            {
                int kind = rng.Next(6);
                switch (kind)
                {
                    case 0: data = BitFlips(data, rng); done.Add("flip"); break;
                    case 1: data = Truncate(data, rng); done.Add("truncate"); break;
                    case 2: data = LengthEdit(data, rng); done.Add("length"); break;
                    case 3: data = ChunkShuffle(data, rng); done.Add("shuffle"); break;
                    case 4: data = Interesting(data, rng); done.Add("value"); break;
                    default: data = Duplicate(data, rng); done.Add("dup"); break;
                }
            }
            return (data, $"fuzz-{seed}-{index}-s{pick}-{string.Join("+", done)}");
        }

        /// <summary>Every PNG chunk that lies whole in the file gets the CRC of its type and data.</summary>
        private static byte[] PngChunkCrcs(byte[] d)
        {
            for (long at = 8; at + 12 <= d.Length;)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)at));
                if (at + 12 + length > d.Length)
                {
                    break;
                }
                BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan((int)(at + 8 + length)), System.IO.Hashing.Crc32.HashToUInt32(d.AsSpan((int)at + 4, (int)length + 4)));
                at += 12 + length;
            }
            return d;
        }

        /// <summary>
        /// The PNG with its inflated IDAT stream mutated (bytes set to filter types and edge values, bit flips, the stream
        /// cut or lengthened) and deflated again into one IDAT chunk in the place of the first.
        /// </summary>
        private static byte[] PixelStream(byte[] d, Random rng)
        {
            var before = new MemoryStream();
            var after = new MemoryStream();
            var compressed = new MemoryStream();
            before.Write(d, 0, Math.Min(8, d.Length));
            for (long at = 8; at + 12 <= d.Length;)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)at));
                if (at + 12 + length > d.Length)
                {
                    break;
                }
                bool idat = d.AsSpan((int)at + 4, 4).SequenceEqual("IDAT"u8);
                if (idat)
                {
                    compressed.Write(d, (int)at + 8, (int)length);
                }
                else
                {
                    (compressed.Length == 0 ? before : after).Write(d, (int)at, (int)length + 12);
                }
                at += 12 + length;
            }
            var raw = new MemoryStream();
            try
            {
                compressed.Position = 0;
                using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
                inflater.CopyTo(raw);
            }
            catch (InvalidDataException)
            {
                return d;
            }
            byte[] pixels = raw.ToArray();
            if (pixels.Length == 0)
            {
                return d;
            }
            switch (rng.Next(4))
            {
                case 0:
                    Array.Resize(ref pixels, rng.Next(pixels.Length));
                    break;
                case 1:
                    int extra = 1 + rng.Next(4096);
                    Array.Resize(ref pixels, pixels.Length + extra);
                    rng.NextBytes(pixels.AsSpan(pixels.Length - extra));
                    break;
                default:
                    byte[] values = { 0, 1, 2, 3, 4, 5, 0x7F, 0x80, 0xFE, 0xFF };
                    for (int i = 0, n = 1 + rng.Next(16); i < n; i++)
                    {
                        int at = rng.Next(pixels.Length);
                        pixels[at] = rng.Next(2) == 0 ? values[rng.Next(values.Length)] : (byte)(pixels[at] ^ (1 << rng.Next(8)));
                    }
                    break;
            }
            var z = new MemoryStream();
            using (var deflater = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
            {
                deflater.Write(pixels, 0, pixels.Length);
            }
            byte[] chunk = new byte[12 + z.Length];
            BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)z.Length);
            "IDAT"u8.CopyTo(chunk.AsSpan(4));
            z.ToArray().CopyTo(chunk, 8);
            before.Write(chunk, 0, chunk.Length);
            after.Position = 0;
            after.CopyTo(before);
            return before.ToArray();
        }

        private static byte[] BitFlips(byte[] d, Random rng)
        {
            int n = 1 + rng.Next(8);
            for (int i = 0; i < n; i++)
            {
                // Bias towards the header, where the interesting parsing happens.
                int at = rng.Next(2) == 0 ? rng.Next(Math.Min(d.Length, 512)) : rng.Next(d.Length);
                d[at] ^= (byte)(1 << rng.Next(8));
            }
            return d;
        }

        private static byte[] Truncate(byte[] d, Random rng)
        {
            int keep = rng.Next(2) == 0 ? rng.Next(Math.Min(d.Length, 1024)) : rng.Next(d.Length);
            Array.Resize(ref d, keep);
            return d;
        }

        private static byte[] Interesting(byte[] d, Random rng)
        {
            byte[] values = { 0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE };
            int at = rng.Next(Math.Min(d.Length, 1024));
            int len = 1 + rng.Next(4);
            for (int i = 0; i < len && at + i < d.Length; i++)
            {
                d[at + i] = values[rng.Next(values.Length)];
            }
            return d;
        }

        private static byte[] Duplicate(byte[] d, Random rng)
        {
            int start = rng.Next(d.Length);
            int len = Math.Min(d.Length - start, 1 + rng.Next(256));
            int at = rng.Next(d.Length);
            var list = new List<byte>(d);
            list.InsertRange(at, d.Skip(start).Take(len));
            return list.ToArray();
        }

        /// <summary>Structure-aware: a PNG chunk length, a JPEG segment length, a RIFF/box size or a BMP/TIFF field.</summary>
        private static byte[] LengthEdit(byte[] d, Random rng)
        {
            List<(int Start, int Length, int LengthAt, int LengthBytes, bool Big)> units = Units(d);
            if (units.Count == 0)
            {
                return Interesting(d, rng);
            }
            var u = units[rng.Next(units.Count)];
            uint[] choices = { 0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, (uint)(u.Length * 2), (uint)Math.Max(0, u.Length - 1), (uint)(u.Length + 1) };
            uint v = choices[rng.Next(choices.Length)];
            for (int i = 0; i < u.LengthBytes && u.LengthAt + i < d.Length; i++)
            {
                int shift = u.Big ? 8 * (u.LengthBytes - 1 - i) : 8 * i;
                d[u.LengthAt + i] = (byte)(v >> shift);
            }
            return d;
        }

        private static byte[] ChunkShuffle(byte[] d, Random rng)
        {
            List<(int Start, int Length, int LengthAt, int LengthBytes, bool Big)> units = Units(d);
            if (units.Count < 2)
            {
                return Duplicate(d, rng);
            }
            int a = rng.Next(units.Count), b = rng.Next(units.Count);
            if (a == b)
            {
                // Drop the unit instead.
                var list = new List<byte>(d);
                list.RemoveRange(units[a].Start, units[a].Length);
                return list.ToArray();
            }
            if (a > b)
            {
                (a, b) = (b, a);
            }
            var ua = units[a];
            var ub = units[b];
            var result = new List<byte>(d.Length);
            result.AddRange(d.Take(ua.Start));
            result.AddRange(d.Skip(ub.Start).Take(ub.Length));
            result.AddRange(d.Skip(ua.Start + ua.Length).Take(ub.Start - (ua.Start + ua.Length)));
            result.AddRange(d.Skip(ua.Start).Take(ua.Length));
            result.AddRange(d.Skip(ub.Start + ub.Length));
            return result.ToArray();
        }

        /// <summary>The container's units: PNG chunks, JPEG marker segments, RIFF chunks, ISO-BMFF boxes.</summary>
        private static List<(int, int, int, int, bool)> Units(byte[] d)
        {
            var units = new List<(int, int, int, int, bool)>();
            ImageFormat f = ImageProbe.Sniff(d);
            if (f == ImageFormat.Png)
            {
                int at = 8;
                while (at + 12 <= d.Length && units.Count < 256)
                {
                    long len = ((long)d[at] << 24) | ((long)d[at + 1] << 16) | ((long)d[at + 2] << 8) | d[at + 3];
                    long total = 12 + len;
                    if (at + total > d.Length) { break; }
                    units.Add((at, (int)total, at, 4, true));
                    at += (int)total;
                }
            }
            else if (f == ImageFormat.Jpeg)
            {
                int at = 2;
                while (at + 4 <= d.Length && d[at] == 0xFF && units.Count < 256)
                {
                    byte m = d[at + 1];
                    if (m == 0xDA || m == 0xD9) { units.Add((at, Math.Min(d.Length - at, 4 + ((d[at + 2] << 8) | d[at + 3])), at + 2, 2, true)); break; }
                    int len = (d[at + 2] << 8) | d[at + 3];
                    if (len < 2 || at + 2 + len > d.Length) { break; }
                    units.Add((at, 2 + len, at + 2, 2, true));
                    at += 2 + len;
                }
            }
            else if (f == ImageFormat.WebP)
            {
                int at = 12;
                while (at + 8 <= d.Length && units.Count < 256)
                {
                    long len = d[at + 4] | ((long)d[at + 5] << 8) | ((long)d[at + 6] << 16) | ((long)d[at + 7] << 24);
                    long total = 8 + len + (len & 1);
                    if (at + total > d.Length) { break; }
                    units.Add((at, (int)total, at + 4, 4, false));
                    at += (int)total;
                }
            }
            else if (f is ImageFormat.Heif or ImageFormat.Avif)
            {
                int at = 0;
                while (at + 8 <= d.Length && units.Count < 256)
                {
                    long len = ((long)d[at] << 24) | ((long)d[at + 1] << 16) | ((long)d[at + 2] << 8) | d[at + 3];
                    if (len < 8 || at + len > d.Length) { break; }
                    units.Add((at, (int)len, at, 4, true));
                    at += (int)len;
                }
            }
            else if (d.Length > 32)
            {
                // GIF, BMP, TIFF: treat the header's 16-bit fields as lengths.
                for (int at = 4; at + 2 <= Math.Min(d.Length, 64); at += 2)
                {
                    units.Add((at, 2, at, 2, f == ImageFormat.Tiff && d[0] == (byte)'M'));
                }
            }
            return units;
        }
    }
}
