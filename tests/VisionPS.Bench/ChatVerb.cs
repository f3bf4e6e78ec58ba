using System;
using System.Threading.Tasks;

namespace VisionPS.Bench
{
    internal static class ChatVerb
    {
        public static Task<int> RunAsync(string[] args)
        {
            Console.Error.WriteLine("'chat' is not available in this build yet.");
            return Task.FromResult(3);
        }
    }
}
