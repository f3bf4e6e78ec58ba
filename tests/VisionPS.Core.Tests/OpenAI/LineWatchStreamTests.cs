using System;
using System.IO;
using System.Text;
using System.Threading;
using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.Core.Tests.OpenAI
{
    public class LineWatchStreamTests
    {
        [Fact]
        public void AnswerTextAfterLongKeepAlivesClearsTheKeepAliveOnlyMark()
        {
            // A 5 ms timeout: keep-alive lines alone may hold the stream 50 ms.
            var call = new CallContext { WatchdogTime = TimeSpan.FromMilliseconds(5) };
            byte[] keepAlive = Encoding.ASCII.GetBytes(": keep-alive\n");
            byte[] data = Encoding.ASCII.GetBytes("data: {\"choices\":[]}\n");
            var body = new MemoryStream();
            body.Write(keepAlive, 0, keepAlive.Length);
            body.Write(data, 0, data.Length);
            body.Position = 0;
            using var stream = new LineWatchStream(body, call);
            var buffer = new byte[100];

            Thread.Sleep(200); // only keep-alives for four times the cap
            Assert.Equal(keepAlive.Length, stream.Read(buffer, 0, keepAlive.Length));
            Assert.NotNull(call.KeepAliveOnly);

            // Answer text came after all: a later timeout is an ordinary one, not "only keep-alive comments".
            Assert.Equal(data.Length, stream.Read(buffer, 0, data.Length));
            Assert.Null(call.KeepAliveOnly);
        }
    }
}
