using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The harness's chat verb, run as a process: it prepares images as the cmdlets do, then asks.</summary>
    public class ChatVerbTests
    {
        [Fact]
        public async Task ChatVerbSendsPreparedImagesAndPrintsTheAnswerAsJson()
        {
            await using EndpointHost host = await EndpointHost.StartAsync();
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "VisionPS.psd1")))
            {
                root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))!;
            }
            string corpus = Environment.GetEnvironmentVariable("VISIONPS_CORPUS") is { Length: > 0 } c
                ? c : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "visionps-corpus");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { "run", "-c", "Release", "--no-launch-profile", "--project", Path.Combine(root, "tests", "VisionPS.Bench"), "--",
                "chat", "--base-uri", host.BaseUri.AbsoluteUri, "--model", "gpt-4o", "--detail", "low", "--prompt", "What is it?",
                Path.Combine(corpus, "jpg_orient6_panasonic_640x428.jpg") })
            {
                start.ArgumentList.Add(arg);
            }
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(process.ExitCode == 0, await stderr);
            string output = await stdout;
            string json = output.Substring(output.IndexOf('{', StringComparison.Ordinal));
            using JsonDocument doc = JsonDocument.Parse(json);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            JsonElement image = JsonDocument.Parse(text).RootElement.GetProperty("images")[0];
            // Upright (orientation 6 applied) and sized for gpt-4o low detail: within 512x512.
            Assert.Equal((342, 512), (image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32()));
            Assert.Equal(85, image.GetProperty("tokens").GetInt32());
        }
    }
}
