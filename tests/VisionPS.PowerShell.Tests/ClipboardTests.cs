using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// The Linux X11 clipboard for real: a private Xvfb display, an image put on its clipboard with xclip, read back
    /// through ConvertTo-VisionImage -FromClipboard. (Windows, macOS and Wayland are built but cannot be tested here.)
    /// </summary>
    [Collection("Clipboard")] // one X display and one DISPLAY variable at a time
    public sealed class ClipboardTests : IDisposable
    {
        private readonly Process _xvfb;
        private readonly string? _savedDisplay = Environment.GetEnvironmentVariable("DISPLAY");
        private readonly string? _savedWayland = Environment.GetEnvironmentVariable("WAYLAND_DISPLAY");
        private readonly string _display;

        public ClipboardTests()
        {
            // A display number nobody uses (no lock file), so the test never touches another X server's clipboard.
            int number = 100 + Random.Shared.Next(800);
            while (File.Exists($"/tmp/.X{number}-lock"))
            {
                number++;
            }
            _display = ":" + number;
            _xvfb = Process.Start(new ProcessStartInfo("Xvfb", new[] { _display, "-screen", "0", "640x480x24", "-nolisten", "tcp" })
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            }) ?? throw new InvalidOperationException("Xvfb did not start (tests/setup.sh installs it).");
            // Xvfb is ready when its socket exists.
            string socket = "/tmp/.X11-unix/X" + number;
            for (int i = 0; i < 100 && !File.Exists(socket) && !_xvfb.HasExited; i++)
            {
                Thread.Sleep(100);
            }
            Assert.False(_xvfb.HasExited, $"Xvfb {_display} did not start: {(_xvfb.HasExited ? _xvfb.StandardError.ReadToEnd() : string.Empty)}");
            Assert.True(File.Exists(socket), $"Xvfb {_display} made no socket.");
            Environment.SetEnvironmentVariable("DISPLAY", _display);
            Environment.SetEnvironmentVariable("WAYLAND_DISPLAY", null);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("DISPLAY", _savedDisplay);
            Environment.SetEnvironmentVariable("WAYLAND_DISPLAY", _savedWayland);
            _xvfb.Kill(); // the xclip owners exit with their display
            _xvfb.WaitForExit();
            _xvfb.Dispose();
        }

        /// <summary>Runs xclip on the test display, feeding it <paramref name="input"/>; "-i" keeps serving in the background.</summary>
        private Process Xclip(byte[]? input, params string[] args)
        {
            var psi = new ProcessStartInfo("xclip", args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["DISPLAY"] = _display;
            Process p = Process.Start(psi)!;
            if (input is not null)
            {
                p.StandardInput.BaseStream.Write(input);
            }
            p.StandardInput.Close();
            p.WaitForExit(2000);
            return p;
        }

        [Fact]
        public void AnImageCopiedToTheX11ClipboardIsReadBackAndPrepared()
        {
            byte[] png = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            Xclip(png, "-selection", "clipboard", "-t", "image/png", "-i");
            using var ps = new PowerShellSession();

            PSObject image = ps.Run("ConvertTo-VisionImage -FromClipboard -Verbose").Single();

            Assert.Empty(ps.Errors);
            Assert.Equal("clipboard", image.Properties["Source"].Value);
            Assert.Equal(1104, image.Properties["SourceWidth"].Value);
            Assert.Equal(1468, image.Properties["SourceHeight"].Value);
            Assert.Contains(ps.Verbose, v => v.Contains($"Read {png.Length} bytes from the X11 clipboard (xclip)", StringComparison.Ordinal));
        }

        [Fact]
        public void WithTextOnTheClipboardTheErrorSaysThereIsNoImage()
        {
            Xclip(System.Text.Encoding.UTF8.GetBytes("just some text"), "-selection", "clipboard", "-i");
            using var ps = new PowerShellSession();

            var output = ps.Run("ConvertTo-VisionImage -FromClipboard");

            Assert.Empty(output);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("ClipboardHasNoImage,VisionPS.Commands.ConvertToVisionImageCommand", error.FullyQualifiedErrorId);
            Assert.Contains("There is no image on the X11 clipboard", error.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public async System.Threading.Tasks.Task AClipboardScreenshotIsPipedToSendVisionChatAndArrivesAsPrepared()
        {
            byte[] jpeg = File.ReadAllBytes(Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            Xclip(jpeg, "-selection", "clipboard", "-t", "image/jpeg", "-i");
            await using var host = await VisionPS.TestServer.EndpointHost.StartAsync(apiKey: "sk-clipboard-test");
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', 'sk-clipboard-test').SecurePassword) -MaxRetries 0", host.BaseUri);

            var image = ps.Run("ConvertTo-VisionImage -FromClipboard -Model gpt-4.1-mini").Single();
            PSObject result = ps.Run("$args[0] | Send-VisionChat 'What is this?' -Model gpt-4.1-mini", image).Single();

            Assert.Empty(ps.Errors);
            var answer = System.Text.Json.JsonDocument.Parse((string)result.Properties["Text"].Value).RootElement;
            Assert.Equal("What is this?", answer.GetProperty("prompt").GetString());
            Assert.Equal((string)image.Properties["Sha256"].Value, answer.GetProperty("images")[0].GetProperty("sha256").GetString(), ignoreCase: true);
        }
    }
}
