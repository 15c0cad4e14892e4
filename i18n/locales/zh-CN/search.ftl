# 搜索消息：房间顶部的搜索框和搜索结果页。

search-field = 搜索消息
search-back = ← 返回聊天
search-heading = 搜索
search-searching = 正在搜索…
search-summary = { $count ->
    [0] 没有找到与“{ $query }”相关的消息。
   *[other] 找到 { $count } 条与“{ $query }”相关的消息。
}
search-summary-latest = 显示与“{ $query }”相关的最新 { $count } 条消息。
search-older = 更早的结果
search-results = 搜索结果
