using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// The warning that the API key goes unencrypted to an http:// address on another computer (-BaseUri, or the
    /// session's endpoint) comes when a request is really about to go there, once per command: not under -WhatIf, not
    /// when -Confirm was answered No (nothing is sent then), and once however many requests and retries the command makes.
    /// </summary>
    public sealed class ClearTextWarningTests : LocalEndpointTests
    {
        public ClearTextWarningTests()
            : base("sk-visionps-cleartext-NEVER-PRINT-5d1e", "cleartext")
        {
        }

        // Two images each: two requests (uploads), each retried once (the session's -MaxRetries 1): still one warning.
        public static readonly TheoryData<string> Sending = new TheoryData<string>
        {
            "Send-VisionChat 'Read.' -Image $args[0], $args[1] -PerImage -NoCache -BaseUri $args[2]",
            "Add-VisionFile -Image $args[0], $args[1] -BaseUri $args[2]",
            "Add-AssistantImage -Image $args[0], $args[1] -Prompt 'Look.' -BaseUri $args[2]",
            "Start-VisionBatch 'Read.' -Image $args[0], $args[1] -Detail Low -BaseUri $args[2]",
        };

        [Theory]
        [MemberData(nameof(Sending))]
        public void TheWarningComesOnlyWhenARequestIsReallySentAndOncePerCommand(string command)
        {
            using var listener = new SilentListener(IPAddress.Any, close: true);
            string address = $"http://{SilentListener.NonLoopbackAddress()}:{listener.Port}";
            string clearText = $"unencrypted (clear text) to {address}:";
            object[] args = { Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"), address + "/v1" };
            var host = new RecordingHost { Choose = labels => labels.ToList().FindIndex(l => l.Replace("&", string.Empty, StringComparison.Ordinal) == "No") };
            using var ps = Session(host);

            // -Confirm answered No (each question): nothing goes, so nothing is said about how it would go.
            ps.Run(command + " -Confirm", args);
            Assert.NotEmpty(host.Asked);
            Assert.Empty(listener.AcceptedNow());
            Assert.DoesNotContain(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));

            // -WhatIf: the same.
            ps.Run(command + " -WhatIf", args);
            Assert.Empty(listener.AcceptedNow());
            Assert.DoesNotContain(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));

            // A real send: one warning, and the requests went there (the listener closes each connection: they fail).
            ps.Run(command + " -Confirm:$false", args);
            Assert.Single(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));
            Assert.NotEmpty(listener.AcceptedNow());
            Assert.NotEmpty(ps.Errors);
            Assert.All(ps.Warnings.Concat(ps.Errors.Select(e => e.ToString())), s => Assert.DoesNotContain(Key, s, StringComparison.Ordinal));
        }

        /// <summary>
        /// Add-VisionFile stopped by -WarningAction Stop at the clear-text warning: nothing went out, so it does not warn
        /// that an upload under way "may be stored on the service" (it did, when the stop came before the upload).
        /// </summary>
        [Fact]
        public void AStopAtTheWarningSaysNothingOfAnUploadUnderWay()
        {
            using var listener = new SilentListener(IPAddress.Any, close: true);
            string address = $"http://{SilentListener.NonLoopbackAddress()}:{listener.Port}";
            using var ps = Session(new RecordingHost());

            Assert.ThrowsAny<ActionPreferenceStopException>(() => ps.Run("Add-VisionFile -Image $args[0], $args[1] -BaseUri $args[2] -WarningAction Stop",
                Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("gif_static_smile_48.gif"), address + "/v1"));
            Assert.Empty(listener.AcceptedNow());
            Assert.DoesNotContain(ps.Warnings, w => w.Contains("may be stored", StringComparison.Ordinal));
        }

        /// <summary>The session's endpoint (Set-VisionDefault -BaseUri) gets the same: no warning at a declined -Confirm, one at a real send.</summary>
        [Fact]
        public void TheSessionEndpointsWarningWaitsForTheSendToo()
        {
            using var listener = new SilentListener(IPAddress.Any, close: true);
            string address = $"http://{SilentListener.NonLoopbackAddress()}:{listener.Port}";
            string clearText = $"unencrypted (clear text) to {address}:";
            var host = new RecordingHost { Choose = labels => labels.ToList().FindIndex(l => l.Replace("&", string.Empty, StringComparison.Ordinal) == "No") };
            using var ps = Session(host);
            ps.Run("Set-VisionDefault -BaseUri $args[0]", address + "/v1");
            Assert.DoesNotContain(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal)); // setting it sends nothing

            ps.Run("Send-VisionChat 'Read.' -Image $args[0] -NoCache -Confirm", Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            Assert.Single(host.Asked);
            Assert.Empty(listener.AcceptedNow());
            Assert.DoesNotContain(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));

            // -WarningAction Stop: the warning is written before the request goes, so it stops the command before anything is sent.
            Assert.ThrowsAny<ActionPreferenceStopException>(() => ps.Run("Send-VisionChat 'Read.' -Image $args[0] -NoCache -WarningAction Stop", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            Assert.Empty(listener.AcceptedNow());

            ps.Run("Send-VisionChat 'Read.' -Image $args[0] -NoCache", Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            Assert.Single(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));
            Assert.NotEmpty(listener.AcceptedNow());
        }
    }
}
