using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    public sealed class EndpointProcessTests
    {
        [Fact]
        public async Task TheEndpointRunsAsAProcessAndPrintsItsBaseUri()
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "VisionPS.TestServer.dll");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add("0");
            start.ArgumentList.Add("--stdin");
            using Process process = Process.Start(start)!;
            try
            {
                string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Matches(@"^http://127\.0\.0\.1:\d+/v1$", line);
                using var client = new VisionClient(new VisionConnection { BaseUri = new Uri(line!), MaxRetries = 0, NoProxy = true });
                ChatAnswer result = await client.ChatAsync(new VisionRequest { Model = "gpt-4o", Prompt = "process" });
                Assert.Contains("\"prompt\":\"process\"", result.Text);
            }
            finally
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(10_000))
                {
                    process.Kill();
                }
            }
            Assert.Equal(0, process.ExitCode);
        }

        [Fact]
        public async Task ItsRequestLogAnswersTheLast10000RequestsOnly()
        {
            await using EndpointHost host = await EndpointHost.StartAsync();
            for (int i = 0; i < 10_050; i++)
            {
                host.State.Requests.Enqueue(new CapturedRequest("GET", $"/v1/files/file-{i}", "", null, new Dictionary<string, string>(), Array.Empty<byte>()));
            }
            using var http = new HttpClient();
            JsonArray log = JsonNode.Parse(await http.GetStringAsync(new Uri(host.BaseUri, "/test/requests")))!.AsArray();

            Assert.Equal(10_000, log.Count);
            Assert.Equal("/v1/files/file-50", (string?)log[0]!["path"]);
            Assert.Equal("/v1/files/file-10049", (string?)log[^1]!["path"]);
        }
    }
}
