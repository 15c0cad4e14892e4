# `natter --help`：服务器是什么，以及它的每项设置。选项、URL、路径和取值保持原样。

server-cli-about = Natter：实时聊天服务器
server-cli-addr = 监听的地址。
server-cli-data-dir = 内置 SQLite 数据库所在的目录（不存在时自动创建），也存放本节点自己的数据：搜索索引、SQLite 节点的文件，以及未指定密钥时的会话密钥。
server-cli-database-url = 消息、房间和用户的存放位置：postgres://user@host:5432/db（可由多个节点共用，见 docs/scaling.md）或 sqlite://路径（一个数据库文件）。未指定时使用数据目录中的 natter.db。
server-cli-redis-url = Redis（redis://host:6379），作为节点之间的总线：每个节点把自己房间的事件、输入状态和在线状态发布到那里，并投递其他节点的。集群中的每个节点都需要它；单个节点不需要。
server-cli-site-root = 构建好的网站所在目录（包含 WASM、JS 和 CSS 的 pkg/ 文件夹）。
server-cli-secret = 用于签名会话 cookie 的密钥（至少 32 字节）。集群中所有节点必须使用同一个。未指定时会生成一次随机密钥并保存在数据目录中。
server-cli-secret-file = 存放密钥的文件（代替 --secret），例如挂载到每个节点上的文件。
server-cli-secure-cookies = 把会话 cookie 标记为 Secure（网站通过 HTTPS 提供时开启）。
server-cli-allowed-origins = 除服务器自身之外，允许浏览器从哪些来源（scheme://host[:port]，用逗号分隔）打开实时连接和提交表单（例如代理以另一个域名提供网站时）。
server-cli-max-messages-per-second = 每个连接每秒可发送的消息数（突发时可达六倍）；超过后会提示客户端放慢速度。测试原始性能时可调高。
server-cli-max-connections = 同时服务的实时连接数；超过后拒绝新连接（503，Retry-After），以免拖慢所有人。
server-cli-keepalive-secs = 客户端无发送时，实时连接上两次 ping 之间的秒数。连续两个间隔都毫无回应（没有 pong，也没有任何帧），或同样长时间不接收数据的连接会被断开：消失的笔记本或手机会离开在线列表并释放名额。
server-cli-max-file-bytes = 单个可上传文件的最大字节数。
server-cli-max-person-file-bytes = 每人可保留的文件字节数（其上传的文件，直到相应消息被删除）。
server-cli-max-file-storage-bytes = 服务器总共保存的文件字节数；超过后上传会被拒绝（“服务器已满”）。
server-cli-uploads-per-minute = 每人每分钟可上传的次数。
server-cli-file-store = 文件的存放位置：file:///目录，或兼容 S3 的存储桶 s3://bucket?endpoint=https://…&region=…（凭据来自 AWS 环境变量）。未指定时使用数据目录中的 files/。
server-cli-log-format = 日志格式。
